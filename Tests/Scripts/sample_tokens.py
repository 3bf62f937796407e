"""Re-signs the Cognito tokens in Events/*.json for replay, with a new key whose JWKS goes to Events/_replay/static.

    .build-venv/bin/python Tests/Scripts/sample_tokens.py

The sample events carry tokens of a made-up user pool. For `make run` to show the `authorize` handler allowing them,
they must verify: this script makes a fresh RSA-2048 key, signs every token it finds in Events/ again (same header
and claims, with `exp` moved to 2100-01-01 so the samples never expire), writes the public key as the pool's JWKS
to Events/_replay/static/jwks.json, and forgets the private key. Run it only to change the sample tokens.
"""

import base64
import json
import pathlib
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVENTS = ROOT / "Events"
JWKS = EVENTS / "_replay" / "static" / "jwks.json"
KID = "upload-edge-sample-2026"
NEVER = 4102444800  # 2100-01-01T00:00:00Z
TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def integer_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def main():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    JWKS.parent.mkdir(parents=True, exist_ok=True)
    jwk = {"alg": "RS256", "e": b64url(integer_bytes(numbers.e)), "kid": KID, "kty": "RSA",
           "n": b64url(integer_bytes(numbers.n)), "use": "sig"}
    JWKS.write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n")

    def resign(match):
        header_part, payload_part, _ = match.group(0).split(".")
        header = json.loads(unb64url(header_part))
        payload = json.loads(unb64url(payload_part))
        header["kid"] = KID
        payload["exp"] = NEVER
        signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
            b64url(json.dumps(payload, separators=(",", ":")).encode())
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    for path in sorted(EVENTS.glob("*.json")):
        text = path.read_text()
        updated, count = TOKEN.subn(resign, text)
        if count:
            path.write_text(updated)
            print(f"{path.relative_to(ROOT)}: {count} token(s) re-signed")
    print(f"{JWKS.relative_to(ROOT)}: the public key {KID}")


if __name__ == "__main__":
    main()
