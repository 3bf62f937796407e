// UploadEdge's upload page: sign in with Cognito, ask the API for a presigned upload, send the file straight to
// storage with a progress bar per file, then follow each file until the validator and the malware scan have decided.
// Small files go up as one presigned POST form; large ones in parts (S3 multipart), several at a time, each part
// checked by its SHA-256, with pause, resume and cancel, and resumable after a reload because the upload's session is
// kept in localStorage. "Your files" lists the user's uploads from the API (across sessions, a page at a time) with
// the rows of this page's uploads, and offers clean files for download, always as an attachment. Plain JavaScript,
// no build step and nothing from a CDN. config.json (served beside this file) says where Cognito and the API are, and
// may set `partConcurrency` and `listPageSize`.
"use strict";

const TOKEN_KEY = "uploadedge.idToken";

// Following an upload's status until it is validated (clean) or rejected: every second at first, then more slowly,
// since a malware scan can take a minute or more; after STATUS_FOLLOW_MS the row offers to check again.
const STATUS_POLL_MS = 1000;
const STATUS_POLL_FAST_FOR_MS = 30 * 1000;
const STATUS_POLL_SLOW_MS = 5000;
const STATUS_FOLLOW_MS = 5 * 60 * 1000;
/** Answers of `missing` in a row after which a followed upload is taken to be gone. */
const MISSING_POLLS = 3;
/** Uploads per page of "Your files", unless config.json says `listPageSize` (the API takes 1 to 50). */
const LIST_PAGE = 20;
const LIST_PAGE_MAX = 50;

// Multipart uploads.
/** Where a multipart upload's session is kept, one localStorage entry per user and file. */
const RESUME_PREFIX = "uploadedge.multipart.";
/** Parts in flight at once, unless config.json says `partConcurrency`. */
const PART_CONCURRENCY = 4;
const PART_CONCURRENCY_MAX = 16;
/** Tries per part before the upload stops with an error; the wait doubles after each failed try. */
const PART_TRIES = 3;
const PART_RETRY_MS = 1000;
/** New URLs for a part whose URL expired (or was refused as expired), beyond its tries. */
const PART_RESIGNS = 2;
/** Parts per sign request (the API takes 1 to 100). */
const SIGN_BATCH = 100;
/** Each sign request hashes its parts first, which reads them: at most this far ahead of the upload. */
const SIGN_AHEAD_BYTES = 128 * 1024 * 1024;
/** A URL this close to its expiresAt is signed again before use. */
const URL_MARGIN_MS = 30 * 1000;
/** Headers a browser sets itself and refuses from scripts. */
const BROWSER_HEADERS = new Set(["content-length", "host"]);

/** `files`: "Your files" as loaded from the API: the cursor of its next page, and a count that changes on every
 * sign-in and sign-out so that an answer for an earlier session is dropped. */
const state = { config: null, limits: null, files: { cursor: null, generation: 0, loaded: false } };
const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class SessionExpired extends Error {}

/** An error answer from the API: `{"error", "message"}` with its HTTP status. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

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
  if (!response.ok) {
    const message = answer.message || `The service answered ${response.status}.`;
    throw new ApiError(response.status, answer.error || "", message);
  }
  return answer;
}

/** `?key=…&uploadId=…&session=…` for the list and abort routes. */
function sessionQuery(session) {
  return ["key", "uploadId", "session"].map((name) => `${name}=${encodeURIComponent(session[name])}`).join("&");
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

function typeAllowed(type) {
  return state.limits.allowedTypes.some((allowed) =>
    allowed.endsWith("/*") ? type.startsWith(allowed.slice(0, -1)) : allowed === type);
}

// Why the API would refuse this file, or null: checked here first, so nothing is sent that cannot succeed.
function refusal(file) {
  if (file.size === 0) return "This file is empty.";
  if (file.size > state.limits.maxBytes) {
    let size = formatBytes(file.size);
    let limit = formatBytes(state.limits.maxBytes);
    if (size === limit) [size, limit] = [`${file.size} bytes`, `${state.limits.maxBytes} bytes`];
    return `Too large: ${size}; the limit is ${limit}.`;
  }
  const type = (file.type || "").toLowerCase();
  if (!type) return "Its type is unknown; upload a file with a known extension.";
  if (!typeAllowed(type)) return `${type} files are not accepted. Accepted: ${state.limits.allowedTypes.join(", ")}.`;
  return null;
}

// Whether a file goes up in parts: at or over the advertised threshold, or too big for one request.
function usesMultipart(file) {
  const { multipartThreshold, singleUploadMaxBytes } = state.limits;
  return (typeof multipartThreshold === "number" && file.size >= multipartThreshold)
    || (typeof singleUploadMaxBytes === "number" && file.size > singleUploadMaxBytes);
}

function partConcurrency() {
  const configured = Number(state.config.partConcurrency);
  if (!Number.isInteger(configured) || configured < 1) return PART_CONCURRENCY;
  return Math.min(configured, PART_CONCURRENCY_MAX);
}

function listPageSize() {
  const configured = Number(state.config.listPageSize);
  if (!Number.isInteger(configured) || configured < 1) return LIST_PAGE;
  return Math.min(configured, LIST_PAGE_MAX);
}

// ---------------------------------------------------------------------------------------------------------------
// Resuming: a multipart upload's session in localStorage, so that choosing the same file again after a reload or a
// crash sends only the parts storage does not have yet.

const Resumable = {
  prefix() {
    const claims = tokenClaims(currentToken() || "") || {};
    return `${RESUME_PREFIX}${claims.sub || "anyone"}:`;
  },

  id(file) {
    return `${this.prefix()}${file.name}:${file.size}:${file.lastModified}`;
  },

  load(id) {
    try {
      const entry = JSON.parse(localStorage.getItem(id));
      return entry && entry.key && entry.uploadId && entry.session ? entry : null;
    } catch (error) {
      return null;
    }
  },

  save(id, file, session) {
    const entry = {
      name: file.name, size: file.size, lastModified: file.lastModified, contentType: file.type.toLowerCase(),
      key: session.key, uploadId: session.uploadId, session: session.session, partSize: session.partSize,
      partCount: session.partCount, expiresAt: session.expiresAt, startedAt: new Date().toISOString(),
    };
    try {
      localStorage.setItem(id, JSON.stringify(entry));
    } catch (error) {
      // Storage full or disabled: the upload still works, it just cannot be resumed after a reload.
    }
  },

  drop(id) {
    localStorage.removeItem(id);
  },

  // The signed-in user's entries, after dropping those whose session has ended or that cannot be read.
  all() {
    const prefix = this.prefix();
    const entries = [];
    for (let index = localStorage.length - 1; index >= 0; index -= 1) {
      const id = localStorage.key(index);
      if (!id || !id.startsWith(RESUME_PREFIX)) continue;
      let entry = null;
      try {
        entry = JSON.parse(localStorage.getItem(id));
      } catch (error) {
        entry = null;
      }
      if (!entry || !entry.key || sessionEnded(entry)) {
        localStorage.removeItem(id);
      } else if (id.startsWith(prefix)) {
        entries.push({ id, ...entry });
      }
    }
    return entries.sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt)));
  },
};

function sessionEnded(session) {
  const end = Date.parse(session.expiresAt);
  return Number.isFinite(end) && end <= Date.now();
}

// ---------------------------------------------------------------------------------------------------------------
// One file's row and its upload

// How an upload in parts stopped short: paused or cancelled by the user.
class Halt extends Error {
  constructor(kind) {
    super(kind);
    this.kind = kind;
  }
}

// A part's PUT that storage refused or that did not get through.
class PartError extends Error {
  constructor(message, { retryable = false, expired = false, gone = false } = {}) {
    super(message);
    this.retryable = retryable;
    this.expired = expired;
    this.gone = gone;
  }
}

/** Resume ids of the uploads in parts running now, so one file is not sent twice at once. */
const activeFiles = new Set();
/** Resume ids with a row on this page, left out of the unfinished list. */
const multipartRows = new Map();
/** The row of each stored upload on the page, by key: one row per upload, whether listed or uploaded here. */
const rowsByKey = new Map();

const VALIDATED_TEXT = "Validated: the file is stored and clean.";
/** A row's buttons (by class) and the label each gets, naming the file. */
const ROW_BUTTONS = [
  ["download", (name) => `Download ${name}`], ["check", (name) => `Check the status of ${name} again`],
  ["pause", (name) => `Pause ${name}`], ["resume", (name) => `Resume ${name}`], ["cancel", (name) => `Cancel ${name}`],
  ["retry", (name) => `Retry ${name}`],
];

// One row of "Your files": the file's name, size and time, its state (`data-state`, and a sentence in a live region)
// and the buttons for that state. FileUpload (a file sent from this page) and ListedUpload (one from the API's list)
// extend it.
class FileRow {
  constructor(name, size) {
    this.name = name;
    this.key = null;
    this.following = false;
    const row = $("file-row").content.firstElementChild.cloneNode(true);
    row.querySelector(".file-name").textContent = name;
    row.querySelector(".file-size").textContent = typeof size === "number" ? formatBytes(size) : "";
    for (const [action, label] of ROW_BUTTONS) {
      const button = row.querySelector(`.${action}`);
      button.setAttribute("aria-label", label(name));
      button.addEventListener("click", () => this[action]());
    }
    this.row = row;
  }

  show(stateName, text, { cancel = false, retry = false, pause = false, resume = false, download = false,
    check = false } = {}) {
    this.row.dataset.state = stateName;
    this.row.querySelector(".file-status").textContent = text;
    const shown = { cancel, retry, pause, resume, download, check };
    for (const [name] of ROW_BUTTONS) this.row.querySelector(`.${name}`).hidden = !shown[name];
  }

  // When the file was stored, as the API says (RFC 3339), in the reader's local time.
  showTime(time) {
    const element = this.row.querySelector(".file-time");
    const date = new Date(time);
    if (!time || Number.isNaN(date.getTime())) return;
    element.dateTime = date.toISOString();
    element.textContent = date.toLocaleString();
  }

  // This row is the one for `key` from now on: a listed row for it (the same upload, listed before it finished
  // here) is removed.
  claim(key) {
    const earlier = rowsByKey.get(key);
    if (earlier && earlier !== this) earlier.row.remove();
    for (const [known, row] of rowsByKey) if (row === this && known !== key) rowsByKey.delete(known);
    rowsByKey.set(key, this);
    this.key = key;
    this.row.dataset.key = key;
  }

  // Shows an answer of GET /uploads/{key}; true when it is final (validated or rejected).
  showStatus(answer) {
    this.row.dataset.reason = answer.reason || "";
    switch (answer.status) {
      case "validated":
        this.show("validated", VALIDATED_TEXT, { download: true });
        return true;
      case "rejected":
        this.show("rejected", `Rejected: ${describeReason(answer.reason)}`);
        return true;
      case "pending":
        // Kept as it is when already pending: a download's "not ready" stays readable.
        if (this.row.dataset.state !== "pending") this.show("pending", "Checking for malware…");
        return false;
      case "missing":
        this.show("missing", "Not in storage: it was deleted, or its upload did not finish.");
        return false;
      default:
        if (this.row.dataset.state !== "stored") this.show("stored", "Stored. Checking the file…");
        return false;
    }
  }

  // Polls GET /uploads/{key} until the validator and the malware scan have decided, or STATUS_FOLLOW_MS has
  // passed (then "Check again" follows it again). Never throws: a failure is said in the row.
  async follow() {
    if (this.following) return;
    this.following = true;
    const started = Date.now();
    let missing = 0;
    try {
      for (;;) {
        const answer = await api("GET", `/uploads/${encodeURIComponent(this.key)}`);
        if (!this.row.isConnected) return;
        missing = answer.status === "missing" ? missing + 1 : 0;
        if (missing > 0 && missing < MISSING_POLLS) {
          // Just stored, or being moved to quarantine: give it a moment before saying it is gone.
        } else if (this.showStatus(answer) || missing >= MISSING_POLLS) {
          return;
        }
        const waited = Date.now() - started;
        if (waited >= STATUS_FOLLOW_MS) break;
        await sleep(waited < STATUS_POLL_FAST_FOR_MS ? STATUS_POLL_MS : STATUS_POLL_SLOW_MS);
        if (!this.row.isConnected) return;
      }
      const scanning = this.row.dataset.state === "pending" ? "The malware scan" : "The check";
      this.show(this.row.dataset.state, `${scanning} is taking longer than usual; check again in a while.`, {
        check: true,
      });
    } catch (error) {
      if (!this.row.isConnected) return;
      if (error instanceof SessionExpired) {
        endSession("Your session has expired. Sign in again to continue.");
        return;
      }
      this.show(this.row.dataset.state, `Stored, but its check cannot be followed: ${error.message}`, { check: true });
    } finally {
      this.following = false;
    }
  }

  check() {
    const pending = this.row.dataset.state === "pending";
    this.show(this.row.dataset.state, pending ? "Checking for malware…" : "Stored. Checking the file…");
    this.follow();
  }

  // Asks for a short-lived download URL and lets the browser download it: as an attachment, never shown in the page.
  async download() {
    const button = this.row.querySelector(".download");
    button.disabled = true;
    try {
      const grant = await api("GET", `/uploads/${encodeURIComponent(this.key)}/download`);
      saveAs(grant.url, this.name);
      this.show("validated", `${VALIDATED_TEXT} Download started: your browser's downloads show its progress.`, {
        download: true,
      });
    } catch (error) {
      if (!this.row.isConnected) return;
      if (error instanceof SessionExpired) {
        endSession("Your session has expired. Sign in again to download your files.");
        return;
      }
      await this.downloadRefused(error);
    } finally {
      button.disabled = false;
    }
  }

  // Why a download was refused, in the row: not scanned yet (409, and the row follows the scan), rejected (410),
  // gone (404), or another failure (the Download button stays).
  async downloadRefused(error) {
    const status = error instanceof ApiError ? error.status : 0;
    if (status === 409) {
      this.show("pending", `Not ready to download: ${sentence(error.message)}`);
      this.follow();
    } else if (status === 410) {
      let reason = null;
      try {
        reason = (await api("GET", `/uploads/${encodeURIComponent(this.key)}`)).reason || null;
      } catch (ignored) {
        // The refusal's own message says why.
      }
      this.row.dataset.reason = reason || "";
      const why = reason ? describeReason(reason) : sentence(error.message);
      this.show("rejected", `Rejected: ${why} It cannot be downloaded.`);
    } else if (status === 404) {
      this.show("missing", "Not in storage any more, so it cannot be downloaded.");
    } else {
      this.show("validated", `${VALIDATED_TEXT} The download could not start: ${sentence(error.message)}`, {
        download: true,
      });
    }
  }
}

// `text` (an API's message, which has none) with a full stop, to follow a colon.
function sentence(text) {
  const trimmed = String(text || "").trim();
  return !trimmed || /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

// Saves the file at a (presigned) URL through an <a download> link: for a same-origin URL the browser saves it under
// `name` whatever it is; elsewhere the response's Content-Disposition: attachment makes it a download. Either way
// the page stays where it is.
function saveAs(url, name) {
  const target = new URL(url, location.href);
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    throw new Error(`the service gave a download address this page does not open (${target.protocol}).`);
  }
  const link = document.createElement("a");
  link.href = target.href;
  link.download = name;
  link.rel = "noopener";
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

// A file sent from this page: its row shows the upload's progress, then follows the file's status.
class FileUpload extends FileRow {
  constructor(file) {
    super(file.name, file.size);
    this.file = file;
    this.xhr = null;
    this.cancelled = false;
    this.multipart = null;
    /** True once the service has said it takes no uploads in parts (501): this file goes up in one request. */
    this.single = false;
    const bar = this.row.querySelector("progress");
    bar.max = file.size;
    bar.setAttribute("aria-label", `Upload progress of ${file.name}`);
    $("file-list").prepend(this.row);
    showFilesNote();
  }

  // The file is in storage: its row takes the place of a listed one with its key, says when, and awaits the check.
  stored() {
    this.progress(this.file.size);
    this.showTime(new Date().toISOString());
    this.claim(this.key);
    this.show("stored", "Stored. Checking the file…");
  }

  // The bar counts bytes of the file sent so far.
  progress(bytes) {
    const bar = this.row.querySelector("progress");
    bar.value = Math.min(bytes, this.file.size);
    bar.setAttribute("aria-valuetext", `${formatBytes(bar.value)} of ${formatBytes(this.file.size)}`);
  }

  async start() {
    const reason = refusal(this.file);
    if (reason) {
      this.show("refused", `Refused: ${reason}`);
      return;
    }
    this.cancelled = false;
    if (!this.single && usesMultipart(this.file)) {
      this.multipart = this.multipart || new MultipartUpload(this);
      await this.multipart.run();
      if (!this.multipart.unavailable) return;
      // The service cannot take uploads in parts here: a file that fits in one request goes up as one.
      this.multipart = null;
      this.single = true;
    }
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
      this.stored();
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
          this.progress((this.file.size * event.loaded) / event.total);
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
    if (this.multipart) {
      this.multipart.cancel();
      return;
    }
    if (this.xhr) this.xhr.abort();
    this.show("cancelled", "Cancelled.", { retry: true });
  }

  retry() {
    this.start();
  }

  pause() {
    if (this.multipart) this.multipart.pause();
  }

  resume() {
    this.start();
  }
}

// An upload from the API's list of the user's uploads (stored before, perhaps in another session): followed while
// it is still being checked.
class ListedUpload extends FileRow {
  constructor(upload) {
    super(upload.name || upload.key.split("/").pop(), upload.size);
    this.row.dataset.listed = "true";
    this.showTime(upload.time);
    this.claim(upload.key);
    $("file-list").append(this.row);
    if (!this.showStatus(upload) && upload.status !== "missing") this.follow();
  }
}

// An upload in parts, for one FileUpload's row. `run()` goes: a session (kept from before, or one from localStorage,
// or a new one), the parts storage already holds (when resuming), the missing parts `partConcurrency()` at a time,
// then complete and follow the validator. It stops at a pause (resume runs it again, from the list of parts), a
// cancel (which aborts the upload), or an error (retry runs it again, keeping what was sent).
class MultipartUpload {
  constructor(upload) {
    this.upload = upload;
    this.file = upload.file;
    /** The localStorage entry's id, fixed while signed in (it names the user). */
    this.resumeId = Resumable.id(upload.file);
    this.session = null;
    this.parts = [];
    this.xhrs = new Set();
    this.sleepers = new Set();
    this.halt = null;
    this.failure = null;
    this.runAgain = false;
    this.running = false;
    this.signing = null;
    this.partsSent = 0;
    this.lastText = "";
    /** Said before the progress: how this upload resumed or restarted. */
    this.note = "";
  }

  async run() {
    if (this.running) {
      // Resumed before the paused run has wound down: run again once it has.
      if (this.halt && this.halt.kind === "paused") this.runAgain = true;
      return;
    }
    if (activeFiles.has(this.resumeId)) {
      this.upload.show("failed", "This file is already uploading in another row; wait for it or cancel it first.", {
        retry: true,
      });
      return;
    }
    this.running = true;
    activeFiles.add(this.resumeId);
    multipartRows.set(this.resumeId, this);
    showUnfinished();
    this.halt = null;
    this.note = "";
    let completed = false;
    try {
      completed = await this.attempt(true);
    } finally {
      this.running = false;
      activeFiles.delete(this.resumeId);
    }
    if (completed) {
      // After complete the object is stored: from here on nothing may send it again.
      await this.upload.follow();
    } else if (this.runAgain) {
      this.runAgain = false;
      await this.run();
    }
  }

  // One go at the upload, up to complete (true) or a stop (false); `mayRestart`: an expired or vanished session
  // starts one fresh upload.
  async attempt(mayRestart) {
    const show = this.upload.show.bind(this.upload);
    try {
      let stored = [];
      if (!this.session) {
        const saved = Resumable.load(this.resumeId);
        if (saved && sessionEnded(saved)) Resumable.drop(this.resumeId);
        else if (saved) this.session = saved;
      }
      if (this.session) {
        show("resuming", "Checking which parts are already stored…", { cancel: true });
        try {
          stored = (await api("GET", `/uploads/multipart?${sessionQuery(this.session)}`)).parts || [];
        } catch (error) {
          if (!(error instanceof ApiError) || ![403, 404, 410].includes(error.status)) throw error;
          // Completed, aborted, expired or not this user's: what was sent is gone; start over.
          this.forget();
          this.note = "The earlier upload of this file could not be resumed, so it started again. ";
        }
      }
      if (this.halt) throw this.halt;
      if (!this.session) {
        show("requesting", `${this.note}Asking for an upload…`, { cancel: true });
        const session = await api("POST", "/uploads", {
          filename: this.file.name,
          contentType: this.file.type.toLowerCase(),
          size: this.file.size,
          method: "MULTIPART",
        });
        this.session = session;
        Resumable.save(this.resumeId, this.file, session);
        if (this.halt) throw this.halt;
      }
      this.upload.key = this.session.key;
      this.plan(stored);
      const held = this.parts.filter((part) => part.done).length;
      this.row("partsResumed", held);
      if (held > 0) this.note = `Resumed: ${held} of ${this.parts.length} parts were already stored. `;
      this.report(true);
      await this.sendParts();
      show("completing", "Putting the parts together…");
      await this.complete();
      this.upload.stored();
      return true;
    } catch (error) {
      this.abortParts();
      if (this.halt && this.halt.kind === "left") return false;
      if (error instanceof SessionExpired) {
        // The upload stays in localStorage: choosing the file again after signing in resumes it.
        endSession("Your session has expired. Sign in again to continue; choose the same file to resume its upload.");
        return false;
      }
      if (error instanceof Halt) {
        if (error.kind === "paused") this.showPaused();
        if (error.kind === "cancelled" && this.session) {
          // Cancelled while the upload was being created: abort what the create made.
          await this.abortRemote().catch(() => {});
          this.forget();
        }
        return false;
      }
      const single = state.limits.singleUploadMaxBytes;
      if (error instanceof ApiError && error.status === 501 && !this.session
        && (typeof single !== "number" || this.file.size <= single)) {
        this.unavailable = true;
        return false;
      }
      const startOver = (error instanceof ApiError && error.status === 410) || (error instanceof ApiError
        && error.status === 404) || (error instanceof PartError && error.gone);
      if (startOver && mayRestart) {
        await this.abortRemote().catch(() => {});
        this.forget();
        this.note = error.status === 410
          ? "The upload session had expired, so it started again from the beginning. "
          : "The earlier upload was no longer in storage, so it started again from the beginning. ";
        return this.attempt(false);
      }
      if (error instanceof ApiError && (error.status === 403 || error.status === 412 || startOver)) {
        // This session cannot be used again: a retry starts a fresh upload.
        await this.abortRemote().catch(() => {});
        this.forget();
      }
      show("failed", `Failed: ${this.describe(error)}`, { retry: true, cancel: Boolean(this.session) });
      return false;
    }
  }

  describe(error) {
    const then = (advice) => `${error.message}${/[.!?]$/.test(error.message) ? "" : "."} ${advice}`;
    if (error instanceof ApiError) {
      if (error.status === 409) return then("Retry to send the missing parts.");
      if (error.status === 412) return then("Rename the file and upload it again.");
      if (error.status === 403) return then("Retry to start a new upload.");
      if (error.status === 410 || error.status === 404) return then("Retry to start again.");
      if (error.status >= 500) return then("Retry in a moment.");
      return error.message;
    }
    if (error instanceof PartError) return then("Retry to send the rest; what is stored is kept.");
    return error.message;
  }

  // Parts 1…partCount, each partSize bytes but the last; `stored` (from the list) marks those already there.
  plan(stored) {
    const { partSize, partCount } = this.session;
    const previous = new Map(this.parts.map((part) => [part.number, part]));
    this.parts = [];
    for (let number = 1; number <= partCount; number += 1) {
      const start = (number - 1) * partSize;
      const end = number === partCount ? this.file.size : start + partSize;
      const known = previous.get(number);
      this.parts.push({
        number, start, end, size: end - start, loaded: 0, done: false, sending: false, etag: null,
        checksum: known ? known.checksum : null, url: known ? known.url : null,
        urlExpiresAt: known ? known.urlExpiresAt : 0, headers: known ? known.headers : null,
      });
    }
    for (const listed of stored) {
      const part = this.parts[listed.partNumber - 1];
      if (part && listed.size === part.size && listed.etag) {
        Object.assign(part, { done: true, loaded: part.size, etag: listed.etag });
        if (listed.checksumSHA256) part.checksum = listed.checksumSHA256;
      }
    }
  }

  // Sends every part not stored yet, partConcurrency() at a time; the first part that fails stops the others.
  async sendParts() {
    const queue = this.parts.filter((part) => !part.done);
    this.failure = null;
    const worker = async () => {
      while (!this.stop() && queue.length > 0) {
        const part = queue.shift();
        try {
          await this.sendPart(part);
        } catch (error) {
          if (!this.stop()) this.failure = error;
          this.abortParts();
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(partConcurrency(), queue.length) }, worker));
    if (this.stop()) throw this.stop();
  }

  // Why the parts must stop now: a pause or cancel, or another part's failure; null while they may go on.
  stop() {
    return this.halt || this.failure;
  }

  async sendPart(part) {
    let resigns = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.ensureSigned(part);
        if (this.stop()) throw this.stop();
        part.etag = await this.put(part);
        Object.assign(part, { done: true, loaded: part.size });
        this.partsSent += 1;
        this.row("partsSent", this.partsSent);
        this.report(true);
        return;
      } catch (error) {
        part.loaded = 0;
        if (this.stop()) throw this.stop();
        if (!(error instanceof PartError)) throw error;
        if (error.expired && resigns < PART_RESIGNS) {
          resigns += 1;
          attempt -= 1;
          part.url = null;
          continue;
        }
        if (!error.retryable || attempt >= PART_TRIES) throw error;
        const wait = PART_RETRY_MS * 2 ** (attempt - 1);
        const reason = error.message[0].toUpperCase() + error.message.slice(1);
        const next = `Trying again in ${wait / 1000} s (try ${attempt + 1} of ${PART_TRIES})…`;
        this.upload.show("uploading", `${reason} ${next}`, { cancel: true, pause: true });
        await this.wait(wait);
        if (this.stop()) throw this.stop();
      }
    }
  }

  urlFresh(part) {
    return Boolean(part.url) && part.urlExpiresAt - URL_MARGIN_MS > Date.now();
  }

  // A fresh URL for the part: signed with the parts that follow it, one sign request at a time.
  async ensureSigned(part) {
    for (let round = 0; round < 2 && !this.urlFresh(part); round += 1) {
      if (!this.signing) this.signing = this.signBatch(part).finally(() => { this.signing = null; });
      await this.signing;
    }
    if (!part.url) throw new Error(`part ${part.number} could not be signed. Retry.`);
  }

  async signBatch(first) {
    const batch = [first];
    let bytes = first.size;
    for (const part of this.parts) {
      if (batch.length >= SIGN_BATCH) break;
      if (part.number <= first.number || part.done || part.sending || this.urlFresh(part)) continue;
      if (bytes + part.size > SIGN_AHEAD_BYTES) break;
      batch.push(part);
      bytes += part.size;
    }
    for (const part of batch) {
      if (!part.checksum) part.checksum = await this.sha256(part);
      if (this.stop()) throw this.stop();
    }
    const answer = await api("POST", "/uploads/multipart/parts", {
      key: this.session.key,
      uploadId: this.session.uploadId,
      session: this.session.session,
      parts: batch.map((part) => ({ partNumber: part.number, checksumSHA256: part.checksum })),
    });
    const expiresAt = Date.parse(answer.expiresAt) || 0;
    for (const signed of answer.parts || []) {
      const part = this.parts[signed.partNumber - 1];
      if (part) Object.assign(part, { url: signed.url, headers: signed.headers || {}, urlExpiresAt: expiresAt });
    }
  }

  // The base64 SHA-256 of a part, from the file itself.
  async sha256(part) {
    let bytes;
    try {
      bytes = await this.file.slice(part.start, part.end).arrayBuffer();
    } catch (error) {
      throw new Error("the file can no longer be read (it was moved, changed or deleted). Choose it again.");
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    let binary = "";
    for (const byte of digest) binary += String.fromCharCode(byte);
    return btoa(binary);
  }

  // PUT one part with its URL's headers; resolves to the ETag storage answers with (null if it is not readable).
  put(part) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhrs.add(xhr);
      part.sending = true;
      const settle = (action, value) => {
        this.xhrs.delete(xhr);
        part.sending = false;
        action(value);
      };
      xhr.open("PUT", part.url);
      for (const [name, value] of Object.entries(part.headers || {})) {
        if (!BROWSER_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
      }
      xhr.upload.addEventListener("progress", (event) => {
        part.loaded = Math.min(event.loaded, part.size);
        this.report(false);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return settle(resolve, xhr.getResponseHeader("ETag"));
        settle(reject, partError(part, xhr));
      });
      xhr.addEventListener("error", () => settle(reject, new PartError(
        `network error while sending part ${part.number}. Check your connection.`, { retryable: true })));
      xhr.addEventListener("abort", () => settle(reject, new PartError("cancelled.")));
      xhr.send(this.file.slice(part.start, part.end));
    });
  }

  async complete() {
    if (this.parts.some((part) => !part.etag || !part.checksum)) {
      // An ETag the browser could not read, or a part sent before a reload: the list has them all.
      const listed = (await api("GET", `/uploads/multipart?${sessionQuery(this.session)}`)).parts || [];
      for (const entry of listed) {
        const part = this.parts[entry.partNumber - 1];
        if (part && entry.size === part.size) {
          part.etag = part.etag || entry.etag;
          part.checksum = entry.checksumSHA256 || part.checksum;
        }
      }
    }
    await api("POST", "/uploads/multipart/complete", {
      key: this.session.key,
      uploadId: this.session.uploadId,
      session: this.session.session,
      parts: this.parts.map((part) => ({ partNumber: part.number, etag: part.etag, checksumSHA256: part.checksum })),
    });
    Resumable.drop(this.resumeId);
    this.session = null;
    this.parts = [];
  }

  // The bar and the status line: bytes of stored parts plus what is in flight. `force`: the part count changed.
  report(force) {
    const sent = this.parts.reduce((sum, part) => sum + (part.done ? part.size : part.loaded), 0);
    const done = this.parts.filter((part) => part.done).length;
    this.upload.progress(sent);
    this.row("partsDone", done);
    this.row("partsTotal", this.parts.length);
    // In steps of 5%, so that screen readers (the status is a live region) are not told every percent.
    const percent = 5 * Math.floor((20 * sent) / this.file.size);
    const text = `${this.note}Uploading… ${percent}% (${done} of ${this.parts.length} parts stored)`;
    if (force || text !== this.lastText) {
      this.lastText = text;
      this.upload.show("uploading", text, { cancel: true, pause: true });
    }
  }

  row(name, value) {
    this.upload.row.dataset[name] = String(value);
  }

  showPaused() {
    const done = this.parts.filter((part) => part.done).length;
    this.upload.progress(this.parts.reduce((sum, part) => sum + (part.done ? part.size : 0), 0));
    this.upload.show("paused", `Paused: ${done} of ${this.parts.length} parts stored. Resume to send the rest.`, {
      resume: true, cancel: true,
    });
  }

  // Sleeps, but wakes as soon as the upload is paused, cancelled or fails.
  wait(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.sleepers.add(wake);
    });
  }

  // Stops every part in flight or waiting to be tried again.
  abortParts() {
    for (const xhr of Array.from(this.xhrs)) xhr.abort();
    for (const wake of Array.from(this.sleepers)) wake();
    this.sleepers.clear();
  }

  // The row is gone (signed out): stop without a word; the localStorage entry stays for resuming.
  leave() {
    this.runAgain = false;
    this.halt = new Halt("left");
    this.abortParts();
  }

  pause() {
    if (!this.running) return;
    this.halt = new Halt("paused");
    this.abortParts();
    this.showPaused();
  }

  async cancel() {
    this.runAgain = false;
    this.halt = new Halt("cancelled");
    this.abortParts();
    this.upload.show("cancelling", "Cancelling…");
    try {
      await this.abortRemote();
      this.forget();
      this.parts = [];
      this.upload.progress(0);
      this.upload.show("cancelled", "Cancelled: nothing of it is kept.", { retry: true });
    } catch (error) {
      if (error instanceof SessionExpired) {
        endSession("Your session has expired. Sign in again, then choose the file again to cancel or resume it.");
        return;
      }
      this.upload.show("failed", `Could not cancel: ${error.message}`, { cancel: true });
    }
  }

  // DELETE the upload in storage, so its parts are not kept (and billed).
  async abortRemote() {
    const cancelled = this.halt && this.halt.kind === "cancelled";
    const session = this.session || (cancelled ? Resumable.load(this.resumeId) : null);
    if (!session) return;
    try {
      await api("DELETE", `/uploads/multipart?${sessionQuery(session)}`);
    } catch (error) {
      // A session the API no longer accepts cannot be aborted; S3's lifecycle rule removes its parts.
      if (!(error instanceof ApiError) || ![403, 404, 410].includes(error.status)) throw error;
    }
  }

  forget() {
    Resumable.drop(this.resumeId);
    this.session = null;
    this.parts = [];
  }
}

// A part's refusal, from S3's XML error: whether trying again can help, whether its URL expired, whether the upload
// is gone.
function partError(part, xhr) {
  const body = xhr.responseText || "";
  const code = (/<Code>([^<]*)<\/Code>/.exec(body) || [])[1] || "";
  const message = (/<Message>([^<]*)<\/Message>/.exec(body) || [])[1] || "";
  const status = xhr.status;
  const detail = `${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
  const what = `storage refused part ${part.number} (${detail}).`;
  if (status === 403 && /expired/i.test(message + code)) return new PartError(what, { expired: true });
  if (status === 404 || code === "NoSuchUpload") return new PartError(what, { gone: true });
  if (["BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidRequest"].includes(code)
    && /checksum|digest/i.test(code + message)) {
    return new PartError(`the file changed while it was being uploaded (part ${part.number}). Choose it again.`);
  }
  const retryable = status === 0 || status >= 500 || status === 408 || status === 429
    || ["RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable"].includes(code);
  return new PartError(what, { retryable });
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
  "sse-wrong-key": "it was not stored encrypted with this service's key.",
  "owner-missing": "it does not say who it belongs to.",
  "outside-prefix": "it was stored outside your folder.",
  "type-missing": "it was stored without a type.",
  "empty": "it is empty.",
  "trailing-data": "more data follows the end of the file, where something could be hidden.",
  "malformed": "it is damaged: its structure is not that of a valid file of its type.",
  "truncated": "it is incomplete: the file ends before its format does.",
  "too-complex": "it is too complex to check (it would unpack to far more than a normal file).",
  "scan-unsupported": "the malware scanner cannot scan a file like this one, so it is not accepted.",
  "scan-failed": "the malware scan of it failed. Upload it again in a while.",
  "scan-access_denied": "the malware scanner was not allowed to read it (a problem on the service's side).",
};

function describeReason(reason) {
  const text = String(reason || "");
  if (text.startsWith("malware:")) {
    // The threat's name, when the verdict came with one ("unknown" when it was read from the scanner's tag alone).
    const threat = text.slice("malware:".length).trim();
    return threat && threat !== "unknown" ? `malware found (${threat}).` : "malware found.";
  }
  if (REASONS[text]) return REASONS[text];
  if (text.startsWith("scan-")) return `the malware scan did not pass it (${text.slice("scan-".length)}).`;
  return `it failed validation (${text || "no reason given"}).`;
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
  $("unfinished-list").replaceChildren();
  // Signed out: uploads in parts stop here and stay resumable from localStorage.
  for (const upload of multipartRows.values()) upload.leave();
  multipartRows.clear();
  rowsByKey.clear();
  state.files = { cursor: null, generation: state.files.generation + 1, loaded: false };
  $("files-note").textContent = "";
  $("more-files").hidden = true;
  $("username").focus();
}

// Uploads in parts that this browser started and did not finish (a reload, a crash, a closed tab), except those with
// a row on the page: each can be resumed by choosing the same file again, or discarded.
function showUnfinished() {
  if (!state.limits) return;
  const entries = Resumable.all().filter((entry) => !multipartRows.has(entry.id));
  const items = entries.map((entry) => {
    const item = document.createElement("li");
    const text = document.createElement("span");
    const started = new Date(entry.startedAt);
    text.textContent = `${entry.name} (${formatBytes(entry.size)})`
      + (Number.isNaN(started.getTime()) ? "" : `, started ${started.toLocaleString()}`);
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "discard";
    discard.textContent = "Discard";
    discard.setAttribute("aria-label", `Discard the unfinished upload of ${entry.name}`);
    discard.addEventListener("click", () => discardUnfinished(entry, discard));
    item.append(text, discard);
    return item;
  });
  $("unfinished-list").replaceChildren(...items);
  $("unfinished").hidden = items.length === 0;
}

async function discardUnfinished(entry, button) {
  button.disabled = true;
  try {
    await api("DELETE", `/uploads/multipart?${sessionQuery(entry)}`);
  } catch (error) {
    if (error instanceof SessionExpired) return endSession("Your session has expired. Sign in again to continue.");
    if (!(error instanceof ApiError) || ![403, 404, 410].includes(error.status)) {
      button.disabled = false;
      notice(`Could not discard ${entry.name}: ${error.message}`);
      return;
    }
  }
  localStorage.removeItem(entry.id);
  showUnfinished();
}

// "Your files" loaded from the API: the first page (no cursor) when the upload screen opens, further ones with
// "Load more". A listed upload that already has a row (uploaded from this page) keeps that row.
async function loadFiles(cursor) {
  const generation = state.files.generation;
  const more = $("more-files");
  more.disabled = true;
  $("file-list").setAttribute("aria-busy", "true");
  $("files-note").textContent = cursor ? "Loading more of your files…" : "Loading your files…";
  let answer;
  try {
    const query = `list=1&limit=${listPageSize()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    answer = await api("GET", `/uploads?${query}`);
  } catch (error) {
    if (generation !== state.files.generation) return;
    $("file-list").removeAttribute("aria-busy");
    if (error instanceof SessionExpired) return endSession("Your session has expired. Sign in again to continue.");
    // "Try again" asks for the same page.
    state.files.cursor = cursor;
    $("files-note").textContent = `Your files cannot be listed now: ${sentence(error.message)}`;
    more.textContent = "Try again";
    more.setAttribute("aria-label", "Try again to list your files");
    more.disabled = false;
    more.hidden = false;
    return;
  }
  if (generation !== state.files.generation) return;
  for (const upload of Array.isArray(answer.uploads) ? answer.uploads : []) {
    if (upload && typeof upload.key === "string" && !rowsByKey.has(upload.key)) new ListedUpload(upload);
  }
  $("file-list").removeAttribute("aria-busy");
  state.files.cursor = typeof answer.cursor === "string" && answer.cursor ? answer.cursor : null;
  more.textContent = "Load more";
  more.setAttribute("aria-label", "Load more of your files");
  more.disabled = false;
  more.hidden = !state.files.cursor;
  state.files.loaded = true;
  showFilesNote();
}

// Says when there are no files to show yet.
function showFilesNote() {
  if (!state.files.loaded) return;
  const empty = $("file-list").children.length === 0;
  $("files-note").textContent = empty ? "No files yet: the files you upload are listed here." : "";
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
  const inParts = typeof state.limits.multipartThreshold === "number"
    ? ` Files of ${formatBytes(state.limits.multipartThreshold)} or more go up in parts and can be paused and resumed.`
    : "";
  const accepted = state.limits.allowedTypes.join(", ");
  $("limits").textContent = `Up to ${formatBytes(state.limits.maxBytes)} per file. Accepted: ${accepted}.${inParts}`;
  $("files").accept = state.limits.allowedTypes.join(",");
  $("loading").hidden = true;
  $("sign-in-section").hidden = true;
  $("account").hidden = false;
  $("upload-section").hidden = false;
  showUnfinished();
  $("files").focus();
  await loadFiles(null);
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
    for (const file of files) {
      // The same file again, while its row is paused or failed: that row carries on.
      const earlier = multipartRows.get(Resumable.id(file));
      if (earlier && earlier.session) {
        earlier.file = file;
        earlier.upload.file = file;
        earlier.upload.start();
      } else {
        new FileUpload(file).start();
      }
    }
    $("upload-form").reset();
  });

  $("sign-out").addEventListener("click", () => endSession("You are signed out."));
  $("more-files").addEventListener("click", () => loadFiles(state.files.cursor));

  if (currentToken()) await showUploads();
  else showSignIn(sessionStorage.getItem(TOKEN_KEY) ? "Your session has expired. Sign in again to continue." : "");
}

main();
