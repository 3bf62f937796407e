"""The upload API held to deploy/openapi.yaml by schemathesis, against `upload-edge serve` with a real dev-user token.

    api_fuzz.py --upload-edge .build/debug/upload-edge [--max-examples N] [--port P]

Starts serve, signs the dev user in through serve's /cognito (USER_PASSWORD_AUTH against moto's user pool), runs
schemathesis with its token on every operation of the spec (bounded examples), stops serve with SIGINT, and exits
non-zero when schemathesis found anything or serve did not stop cleanly.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from serve_banner import read_banner

CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
        "negative_data_rejection",
    ]
)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def step(text):
    print(f"==> {text}", flush=True)


def start_serve(binary, port):
    step("starting upload-edge serve")
    serve = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--no-scan"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        return serve, read_banner(serve)
    except RuntimeError as error:
        raise SystemExit(str(error))


def sign_in(origin, details):
    """An ID token for the dev user, as the page gets one: InitiateAuth through serve's /cognito."""
    with urllib.request.urlopen(origin + "/config.json", timeout=10) as answer:
        config = json.load(answer)
    request = urllib.request.Request(
        origin + config["cognitoEndpoint"],
        data=json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": config["clientId"],
                "AuthParameters": {"USERNAME": details["username"], "PASSWORD": details["password"]},
            }
        ).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["AuthenticationResult"]["IdToken"]


def stop_serve(serve):
    step("stopping upload-edge serve (SIGINT)")
    os.kill(serve.pid, signal.SIGINT)
    try:
        return serve.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(serve.pid, signal.SIGKILL)
        return -1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload-edge", required=True, help="the upload-edge binary")
    parser.add_argument("--port", type=int, default=8094, help="serve's port")
    parser.add_argument("--max-examples", type=int, default=40, help="schemathesis examples per operation")
    parser.add_argument("--seed", type=int, default=16, help="schemathesis's random seed (reproducible runs)")
    arguments = parser.parse_args()
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    origin = f"http://127.0.0.1:{arguments.port}"
    serve, details = start_serve(os.path.abspath(arguments.upload_edge), arguments.port)
    started = time.time()
    try:
        token = sign_in(origin, details)
        command = [
            schemathesis,
            "--config-file",
            os.path.join(ROOT, "Tests/Scripts/schemathesis.toml"),
            "run",
            os.path.join(ROOT, "deploy/openapi.yaml"),
            "--url",
            origin + "/api",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(arguments.max_examples),
            "--seed",
            str(arguments.seed),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--no-color",
        ]
        step(f"schemathesis run deploy/openapi.yaml --checks {CHECKS} --max-examples {arguments.max_examples}")
        status = subprocess.run(command, cwd=ROOT).returncode
    finally:
        stopped = stop_serve(serve)
    seconds = time.time() - started
    if status != 0:
        print(f"api_fuzz: schemathesis found failures (exit {status}) in {seconds:.0f} s; see above", flush=True)
        return 1
    if stopped != 0:
        print(f"api_fuzz: upload-edge serve exited with {stopped} after SIGINT", flush=True)
        return 1
    print(f"api_fuzz: no failures: every check passed on every operation in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
