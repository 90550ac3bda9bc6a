#!/usr/bin/env python3
"""Writes the committed seed corpus fuzz/corpus/<target>/ (deterministic; run from anywhere).

The targets read a few header fields with `arbitrary` (from the front of the input) and then the
rest as the body / text, so each seed is header bytes + a meaningful payload.
"""
import hashlib, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")


def write(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


TOKEN = b'{"access_token":"580defdb4f6b1e2a","expires_in":3600,"token_type":"bearer"}'
BODIES = [
    TOKEN,
    b'{"access_token":"eyJ0eXAi.x.y","token_type":"Bearer","expires_in":3600}',
    b'{"access_token":"tok-4f9a1c","token_type":"BEARER","expires_in":"3600","scope":"payments:read"}',
    b'\xef\xbb\xbf{"access_token":"a","token_type":"bearer","expires_in":0}',
    b'{"access_token":"a","token_type":"bearer","expires_in":1e400}',
    b'{"access_token":"a","token_type":"bearer","expires_in":-1}',
    b'{"access_token":"a","access_token":"b","token_type":"bearer","expires_in":1}',
    b'{"access_token":"abcdefgh#12","token_type":"abcdefgh#12x","expires_in":1}',
    b'{"access_token":"abcdefgh#12","token_type":"bearer","expires_in":"abcdefgh#12"}',
    b'{"access_token":"x","token_type":"mac","expires_in":1}',
    b'{"access_token":"x","token_type":"bearer","expires_in":1,"scope":["a"]}',
    b'{"access_token":"\\ud83d\\ude00","token_type":"bearer","expires_in":1.5e3}',
    b'{"message":"Invalid credentials"}',
    b'{"error":"invalid_client","error_description":"client authentication failed"}',
    b'{"error":"invalid_client","error_description":"test-secret was wrong: dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ="}',
    b'{"error":"temporarily_unavailable"}',
    b'{"error":"' + b"x" * 195 + b'test-secret"}',
    b'{"\\u0000":"\\n\\r","k":"' + b"v" * 1030 + b'"}',
    b"[" * 40 + b"]" * 40,
    b'{"a":' * 33 + b"1" + b"}" * 33,
    b'{"access_token":"a\xff","token_type":"bearer","expires_in":1}',
    b'{"access_token":"a","token_type":"bearer","expires_in":3600',
    b"",
    b"   ",
    b"null",
    b"<html>502 Bad Gateway</html>",
]


def response_header(status, retry_after=None, clock=2, secret_at=0, secret_len=11, test_client=True):
    h = struct.pack("<H", (status - 100) % 65536)
    h += b"\x00" if retry_after is None else b"\x01" + struct.pack("<d", retry_after)
    h += bytes([clock])
    h += struct.pack("<H", secret_at) + bytes([secret_len - 1]) + (b"\x01" if test_client else b"\x00")
    return h


for i, body in enumerate(BODIES):
    status = [200, 400, 401, 403, 429, 503, 302, 204][i % 8]
    ra = [None, 0.0, 3.5, -1.0, 1e9][i % 5]
    at = body.find(b"test-secret")
    write("response", response_header(status, ra, secret_at=max(at, 0), secret_len=11 if at >= 0 else 5) + body)



def retry_header(clock=3, date_s=784_111_777, attempt=0, retries=2, random01=0.5, code=3, status=429):
    h = bytes([clock])
    h += struct.pack("<q", date_s) + struct.pack("<I", attempt) + struct.pack("<I", retries)
    h += struct.pack("<d", random01) + bytes([code])
    h += b"\x01" + struct.pack("<H", status) if status is not None else b"\x00"
    return h


RETRY = [
    b"0", b"120", b" 5 ", b"-1", b"1.5", b"99999999999999999999999", b"garbage",
    b"Sun, 06 Nov 1994 08:49:37 GMT",
    b"Sunday, 06-Nov-94 08:49:37 GMT",
    b"Sun Nov  6 08:49:37 1994",
    b"Wed, 31 Dec 9999 23:59:59 GMT",
    b"Thu, 29 Feb 2001 00:00:00 GMT",
    b"Mon, 06 Nov 1994 25:61:61 GMT",
]
for i, text in enumerate(RETRY):
    write("retry_after", retry_header(clock=[3, 2, 1, 0][i % 4], code=[3, 2, 5, 6][i % 4],
                                      status=[429, 503, None, 500][i % 4], attempt=i % 3) + text)
