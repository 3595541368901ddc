//! Just enough DER (X.690) to write the keys and the one certificate the software authenticator
//! needs: SubjectPublicKeyInfo for P-256, Ed25519 and RSA (the `publicKey` member of a
//! registration response), ECDSA signatures as `Ecdsa-Sig-Value`, and a minimal self-signed
//! X.509 v3 certificate for fido-u2f attestation. Written by hand so that this side shares no
//! encoding code with the verifier under test.

/// A tag-length-value item with a definite, shortest-form length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of the concatenated items.
pub fn seq(items: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes (minimal, with a 0x00 sign pad).
pub fn uint(be: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(&trimmed);
    tlv(0x02, &content)
}

/// BIT STRING with no unused bits.
pub fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0u8];
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

/// OBJECT IDENTIFIER from its already-encoded content octets.
pub fn oid(content: &[u8]) -> Vec<u8> {
    tlv(0x06, content)
}

/// 1.2.840.10045.2.1 id-ecPublicKey
pub const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.2.840.10045.3.1.7 prime256v1
pub const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// 1.2.840.10045.4.3.2 ecdsa-with-SHA256
pub const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// 1.3.101.112 id-Ed25519
pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// 1.2.840.113549.1.1.1 rsaEncryption
pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// 2.5.4.3 commonName
pub const OID_CN: &[u8] = &[0x55, 0x04, 0x03];

/// SubjectPublicKeyInfo of an uncompressed P-256 point (`04 ‖ x ‖ y`).
pub fn spki_p256(sec1_uncompressed: &[u8]) -> Vec<u8> {
    seq(&[
        &seq(&[&oid(OID_EC_PUBLIC_KEY), &oid(OID_P256)]),
        &bit_string(sec1_uncompressed),
    ])
}

/// SubjectPublicKeyInfo of an Ed25519 key (RFC 8410).
pub fn spki_ed25519(public: &[u8; 32]) -> Vec<u8> {
    seq(&[&seq(&[&oid(OID_ED25519)]), &bit_string(public)])
}

/// SubjectPublicKeyInfo of an RSA key (RFC 8017 `RSAPublicKey` inside, NULL parameters).
pub fn spki_rsa(n: &[u8], e: &[u8]) -> Vec<u8> {
    let rsa_public_key = seq(&[&uint(n), &uint(e)]);
    seq(&[
        &seq(&[&oid(OID_RSA), &tlv(0x05, &[])]),
        &bit_string(&rsa_public_key),
    ])
}

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` from the fixed 64-byte `r ‖ s`.
pub fn ecdsa_sig(fixed: &[u8]) -> Vec<u8> {
    let (r, s) = fixed.split_at(fixed.len() / 2);
    seq(&[&uint(r), &uint(s)])
}

fn name(common_name: &str) -> Vec<u8> {
    let atv = seq(&[&oid(OID_CN), &tlv(0x0c, common_name.as_bytes())]);
    seq(&[&tlv(0x31, &atv)])
}

/// The to-be-signed part of a minimal self-signed X.509 v3 certificate for a P-256 key:
/// version, serial, ecdsa-with-SHA256, issuer = subject = CN, a fixed validity, the SPKI,
/// and no extensions (fido-u2f attestation certificates carry none that a verifier needs).
pub fn tbs_certificate(serial: &[u8], common_name: &str, sec1_uncompressed: &[u8]) -> Vec<u8> {
    let version = tlv(0xa0, &uint(&[2]));
    let alg = seq(&[&oid(OID_ECDSA_SHA256)]);
    let validity = seq(&[&tlv(0x17, b"200101000000Z"), &tlv(0x17, b"491231235959Z")]);
    seq(&[
        &version,
        &uint(serial),
        &alg,
        &name(common_name),
        &validity,
        &name(common_name),
        &spki_p256(sec1_uncompressed),
    ])
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`.
pub fn certificate(tbs: &[u8], der_signature: &[u8]) -> Vec<u8> {
    seq(&[
        tbs,
        &seq(&[&oid(OID_ECDSA_SHA256)]),
        &bit_string(der_signature),
    ])
}
