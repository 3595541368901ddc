#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from ../tests/vectors/*.json into corpus/<target>/.

verify_registration:   clientDataJSON 0x00 attestationObject
verify_authentication: clientDataJSON 0x00 authenticatorData 0x00 signature
cbor:                  attestation objects and COSE keys
authenticator_data:    authenticator data (from assertions)
"""
import base64, glob, json, os, pathlib

here = pathlib.Path(__file__).resolve().parent
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def put(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)

for path in sorted(glob.glob(str(here.parent / "tests" / "vectors" / "*.json"))):
    v = json.load(open(path)); r = v["response"]["response"]; name = pathlib.Path(path).stem
    cd = b64(r["clientDataJSON"])
    if v["ceremony"] == "registration":
        ao = b64(r["attestationObject"])
        put("verify_registration", name, cd + b"\0" + ao)
        put("cbor", name, ao)
    else:
        ad, sig = b64(r["authenticatorData"]), b64(r["signature"])
        put("verify_authentication", name, cd + b"\0" + ad + b"\0" + sig)
        put("authenticator_data", name, ad)
        put("cbor", name + "-key", b64(v["credential"]["public_key_cose"]))
