// UploadEdge's upload page: sign in with Cognito, ask the API for a presigned POST, upload straight to S3 with a
// progress bar per file, then follow each file until the validator has tagged it. Plain JavaScript, no build step
// and nothing from a CDN. config.json (served beside this file) says where Cognito and the API are.
"use strict";

const TOKEN_KEY = "uploadedge.idToken";
const STATUS_POLL_MS = 1000;
const STATUS_POLL_LIMIT = 60;

const state = { config: null, limits: null };
const $ = (id) => document.getElementById(id);

class SessionExpired extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Session

function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch (error) {
    return null;
  }
}

// The signed-in user's ID token, or null when there is none or it has expired.
function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  const claims = tokenClaims(token);
  if (!claims || typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now() + 5000) return null;
  return token;
}

function endSession(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}

async function signIn(username, password) {
  const response = await fetch(state.config.cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: state.config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(answer.__type || "").split("#").pop();
    if (type === "NotAuthorizedException" || type === "UserNotFoundException") {
      throw new Error("The email or password is wrong. Check both and try again.");
    }
    if (type === "PasswordResetRequiredException") throw new Error("Your password must be reset first.");
    throw new Error(answer.message || `Sign-in failed (${response.status}). Try again in a moment.`);
  }
  if (!answer.AuthenticationResult) {
    throw new Error(`Sign-in needs a further step (${answer.ChallengeName || "unknown"}) this page does not offer.`);
  }
  sessionStorage.setItem(TOKEN_KEY, answer.AuthenticationResult.IdToken);
}

// ---------------------------------------------------------------------------------------------------------------
// The API

async function api(method, path, body) {
  const token = currentToken();
  if (!token) throw new SessionExpired();
  let response;
  try {
    response = await fetch(state.config.apiBase + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new Error("Network error: the upload service cannot be reached. Check your connection and retry.");
  }
  if (response.status === 401) throw new SessionExpired();
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || `The service answered ${response.status}.`);
  return answer;
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function typeAllowed(type) {
  return state.limits.allowedTypes.some((allowed) =>
    allowed.endsWith("/*") ? type.startsWith(allowed.slice(0, -1)) : allowed === type);
}

// Why the API would refuse this file, or null: checked here first, so nothing is sent that cannot succeed.
function refusal(file) {
  if (file.size === 0) return "This file is empty.";
  if (file.size > state.limits.maxBytes) {
    return `Too large: ${formatBytes(file.size)}; the limit is ${formatBytes(state.limits.maxBytes)}.`;
  }
  const type = (file.type || "").toLowerCase();
  if (!type) return "Its type is unknown; upload a file with a known extension.";
  if (!typeAllowed(type)) return `${type} files are not accepted. Accepted: ${state.limits.allowedTypes.join(", ")}.`;
  return null;
}

class FileUpload {
  constructor(file) {
    this.file = file;
    this.xhr = null;
    this.cancelled = false;
    const row = $("file-row").content.firstElementChild.cloneNode(true);
    row.querySelector(".file-name").textContent = file.name;
    row.querySelector(".file-size").textContent = formatBytes(file.size);
    row.querySelector(".cancel").addEventListener("click", () => this.cancel());
    row.querySelector(".retry").addEventListener("click", () => this.start());
    row.querySelector(".cancel").setAttribute("aria-label", `Cancel ${file.name}`);
    row.querySelector(".retry").setAttribute("aria-label", `Retry ${file.name}`);
    this.row = row;
    $("file-list").prepend(row);
  }

  show(stateName, text, { cancel = false, retry = false } = {}) {
    this.row.dataset.state = stateName;
    this.row.querySelector(".file-status").textContent = text;
    this.row.querySelector(".cancel").hidden = !cancel;
    this.row.querySelector(".retry").hidden = !retry;
  }

  progress(fraction) {
    this.row.querySelector("progress").value = Math.round(fraction * 100);
  }

  async start() {
    const reason = refusal(this.file);
    if (reason) {
      this.show("refused", `Refused: ${reason}`);
      return;
    }
    this.cancelled = false;
    this.progress(0);
    this.show("requesting", "Asking for an upload…", { cancel: true });
    try {
      const grant = await api("POST", "/uploads", {
        filename: this.file.name,
        contentType: this.file.type.toLowerCase(),
        size: this.file.size,
      });
      if (this.cancelled) return;
      this.key = grant.key;
      await this.post(grant);
      this.progress(1);
      this.show("stored", "Stored. Checking the file…");
      await this.follow();
    } catch (error) {
      if (error instanceof SessionExpired) {
        endSession("Your session has expired. Sign in again to continue.");
        return;
      }
      if (this.cancelled) return;
      this.show("failed", `Failed: ${error.message}`, { retry: true });
    }
  }

  // The multipart/form-data POST to S3: the policy's fields first, the file last.
  post(grant) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
      form.append("file", this.file);
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open("POST", grant.url);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          this.progress(event.loaded / event.total);
          this.show("uploading", `Uploading… ${Math.round((100 * event.loaded) / event.total)}%`, { cancel: true });
        }
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
        reject(new Error(`storage refused the file (${xhr.status}${message ? `: ${message[1]}` : ""}).`));
      });
      xhr.addEventListener("error", () => reject(new Error("network error while uploading. Check your connection.")));
      xhr.addEventListener("abort", () => reject(new Error("cancelled.")));
      xhr.send(form);
    });
  }

  cancel() {
    this.cancelled = true;
    if (this.xhr) this.xhr.abort();
    this.show("cancelled", "Cancelled.", { retry: true });
  }

  // Polls GET /uploads/{key} until the validator has decided.
  async follow() {
    for (let attempt = 0; attempt < STATUS_POLL_LIMIT; attempt += 1) {
      const answer = await api("GET", `/uploads/${encodeURIComponent(this.key)}`);
      if (answer.status === "validated") {
        this.show("validated", "Validated: the file is stored and clean.");
        return;
      }
      if (answer.status === "rejected") {
        this.show("rejected", `Rejected: ${describeReason(answer.reason)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
    }
    this.show("stored", "Stored. Validation is taking longer than usual; check back later.");
  }
}

const REASONS = {
  "type-mismatch": "its content is not the type it claims to be.",
  "active-content": "it contains markup or script, which is not allowed in an image or document.",
  "unknown-type": "its content is not a recognised file format.",
  "too-large": "it is larger than allowed.",
  "size-mismatch": "its size changed during the upload.",
  "type-not-allowed": "its type is not accepted.",
  "owner-mismatch": "it does not belong to you.",
  "sse-missing": "it was not stored encrypted.",
};

function describeReason(reason) {
  return REASONS[reason] || `it failed validation (${reason || "no reason given"}).`;
}

// ---------------------------------------------------------------------------------------------------------------
// Screens

function notice(message) {
  $("notice").textContent = message || "";
  $("notice").hidden = !message;
}

function showSignIn(message) {
  notice(message);
  $("loading").hidden = true;
  $("upload-section").hidden = true;
  $("account").hidden = true;
  $("sign-in-section").hidden = false;
  $("file-list").replaceChildren();
  $("username").focus();
}

async function showUploads() {
  const claims = tokenClaims(currentToken());
  $("who").textContent = claims.email || claims["cognito:username"] || "";
  try {
    state.limits = await api("GET", "/uploads");
  } catch (error) {
    if (error instanceof SessionExpired) return endSession("Your session has expired. Sign in again to continue.");
    notice(`The upload service is unavailable: ${error.message}`);
    return;
  }
  $("limits").textContent =
    `Up to ${formatBytes(state.limits.maxBytes)} per file. Accepted: ${state.limits.allowedTypes.join(", ")}.`;
  $("files").accept = state.limits.allowedTypes.join(",");
  $("loading").hidden = true;
  $("sign-in-section").hidden = true;
  $("account").hidden = false;
  $("upload-section").hidden = false;
  $("files").focus();
}

async function main() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    state.config = await response.json();
  } catch (error) {
    $("loading").textContent = "This page is missing its config.json; it cannot reach the upload service.";
    return;
  }

  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("sign-in-button");
    $("sign-in-error").textContent = "";
    const username = $("username").value.trim();
    const password = $("password").value;
    if (!username || !password) {
      $("sign-in-error").textContent = "Enter your email and your password.";
      return;
    }
    button.disabled = true;
    try {
      await signIn(username, password);
      $("password").value = "";
      notice("");
      await showUploads();
    } catch (error) {
      $("sign-in-error").textContent =
        error instanceof TypeError ? "Network error: Cognito cannot be reached. Retry in a moment." : error.message;
    } finally {
      button.disabled = false;
    }
  });

  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const files = Array.from($("files").files);
    if (files.length === 0) {
      notice("Choose at least one file first.");
      return;
    }
    if (!currentToken()) return endSession("Your session has expired. Sign in again to continue.");
    notice("");
    for (const file of files) new FileUpload(file).start();
    $("upload-form").reset();
  });

  $("sign-out").addEventListener("click", () => endSession("You are signed out."));

  if (currentToken()) await showUploads();
  else showSignIn(sessionStorage.getItem(TOKEN_KEY) ? "Your session has expired. Sign in again to continue." : "");
}

main();
