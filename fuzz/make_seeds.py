#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from ../tests/vectors/*.json into corpus/<target>/.

verify_registration:   [rp_id] [clientDataJSON] attestationObject
verify_authentication: [rp_id] [clientDataJSON] [authenticatorData] [COSE key] signature
                       ([x] = u16 big-endian length, then x)
cbor:                  attestation objects and COSE keys
authenticator_data:    authenticator data (from assertions)
"""
import base64, glob, json, os, pathlib

here = pathlib.Path(__file__).resolve().parent
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def lp(*parts): return b"".join(len(p).to_bytes(2, "big") + p for p in parts)
def put(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)

for path in sorted(glob.glob(str(here.parent / "tests" / "vectors" / "*.json"))):
    v = json.load(open(path)); r = v["response"]["response"]; name = pathlib.Path(path).stem
    cd = b64(r["clientDataJSON"]); rp = v["rp_id"].encode()
    if v["ceremony"] == "registration":
        ao = b64(r["attestationObject"])
        put("verify_registration", name, lp(rp, cd) + ao)
        put("cbor", name, ao)
        # Certificates (x5c): each DER SEQUENCE with a 2-byte length that opens a SEQUENCE.
        for i in range(len(ao) - 8):
            if ao[i:i + 2] == b"\x30\x82" and ao[i + 4:i + 6] == b"\x30\x82":
                n = int.from_bytes(ao[i + 2:i + 4], "big")
                if i + 4 + n <= len(ao):
                    put("certificate", f"{name}-{i}", ao[i:i + 4 + n])
    else:
        ad, sig = b64(r["authenticatorData"]), b64(r["signature"])
        key = b64(v["credential"]["public_key_cose"])
        put("verify_authentication", name, lp(rp, cd, ad, key) + sig)
        put("authenticator_data", name, ad)
        put("cbor", name + "-key", key)
