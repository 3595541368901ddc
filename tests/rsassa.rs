//! Bio's RSASSA-PKCS1-v1_5 verifier (`src/webauthn/rsassa`) against outside judges:
//! - Wycheproof's `rsa_signature_{2048,3072,4096,8192}_sha256` vectors: every case must reach
//!   Wycheproof's result; "acceptable" cases must match the `rsa` crate's answer;
//! - the `rsa` crate on seeded random keys, messages and mutated signatures (host only: RSA key
//!   generation is too slow for a debug wasm build; the arithmetic itself runs in wasm through
//!   the Wycheproof cases);
//! - RFC 8017 §8.2.2 step 1 end to end: an RS256 assertion whose signature starts with a zero
//!   octet verifies, and the same signature with that octet stripped is refused (the `rsa`
//!   crate accepts it).
//!
//! Seed: `BIO_RSA_SEED` (decimal or 0x-hex) on the host, printed so a failure reproduces.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use bio::webauthn::rsassa::{Hash, InvalidSignature, PublicKey};
use sha2::{Digest as _, Sha256};
use wycheproof::TestResult;
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

/// The `rsa` crate's verdict on the same inputs.
fn rsa_crate_accepts(n: &[u8], e: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    let n = rsa::BoxedUint::from_be_slice_vartime(n);
    let e = rsa::BoxedUint::from_be_slice_vartime(e);
    let Ok(key) = rsa::RsaPublicKey::new(n, e) else {
        return false;
    };
    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, sig)
        .is_ok()
}

#[test]
fn wycheproof_rsa_pkcs1_sha256() {
    let mut cases = 0;
    for name in [
        TestName::Rsa2048Sha256,
        TestName::Rsa3072Sha256,
        TestName::Rsa4096Sha256,
        TestName::Rsa8192Sha256,
    ] {
        let set = TestSet::load(name).unwrap();
        for group in &set.test_groups {
            let key = PublicKey::new(&group.key.n, &group.key.e)
                .unwrap_or_else(|e| panic!("{name:?}: key refused: {e:?}"));
            for case in &group.tests {
                let digest = Sha256::digest(&*case.msg);
                let ours = key.verify(Hash::Sha256, &digest, &case.sig);
                let expected = match case.result {
                    TestResult::Valid => Ok(()),
                    TestResult::Invalid => Err(InvalidSignature),
                    TestResult::Acceptable => {
                        if rsa_crate_accepts(&group.key.n, &group.key.e, &digest, &case.sig) {
                            Ok(())
                        } else {
                            Err(InvalidSignature)
                        }
                    }
                };
                assert_eq!(
                    ours, expected,
                    "{name:?} tcId {} ({}; {:?})",
                    case.tc_id, case.comment, case.flags
                );
                cases += 1;
            }
        }
    }
    // Guard against silently running nothing.
    assert!(cases > 400, "only {cases} cases");
}

#[cfg(not(target_arch = "wasm32"))]
mod host {
    use super::*;
    use bio::webauthn::base64url;
    use bio::webauthn::{
        AuthenticationResponseJson, Error, RelyingParty, StoredCredential, verify_authentication,
    };
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng as _;
    use rsa::traits::PublicKeyParts as _;
    use support::authenticator::{Alg, SoftAuthenticator, SplitMix64};

    fn seed() -> u64 {
        let seed = std::env::var("BIO_RSA_SEED")
            .ok()
            .and_then(|s| match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            })
            .unwrap_or(0x0B10_45A5);
        println!("BIO_RSA_SEED={seed:#x}");
        seed
    }

    /// Random keys (two of 2048 bits, one of 3072), random messages, their signatures and
    /// mutations of them: Bio and the `rsa` crate must agree on every one, except signatures
    /// shorter than k, which only Bio refuses (RFC 8017 §8.2.2 step 1).
    #[test]
    fn agrees_with_the_rsa_crate_on_random_keys_and_mutations() {
        let seed = seed();
        let mut rng = SplitMix64(seed);
        let mut checked = 0;
        for (i, bits) in [2048, 2048, 3072].into_iter().enumerate() {
            let mut key_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(i as u64));
            let private = rsa::RsaPrivateKey::new(&mut key_rng, bits).unwrap();
            let (n, e) = (private.n_bytes().to_vec(), private.e_bytes().to_vec());
            let ours = PublicKey::new(&n, &e).unwrap();
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(private.clone());
            let k = n.len();
            for _ in 0..12 {
                let len = rng.range(0, 100);
                let message = rng.bytes(len);
                let digest = Sha256::digest(&message);
                let sig = {
                    use rsa::signature::{SignatureEncoding as _, Signer as _};
                    signer.sign(&message).to_vec()
                };
                assert_eq!(sig.len(), k);
                let mut candidates = vec![("valid", sig.clone(), digest.to_vec())];
                let mut flipped = sig.clone();
                let bit = rng.range(0, 8 * k - 1);
                flipped[bit / 8] ^= 1 << (bit % 8);
                candidates.push(("signature bit flip", flipped, digest.to_vec()));
                let mut other = digest.to_vec();
                let bit = rng.range(0, 255);
                other[bit / 8] ^= 1 << (bit % 8);
                candidates.push(("digest bit flip", sig.clone(), other));
                candidates.push(("random s", rng.bytes(k), digest.to_vec()));
                candidates.push(("s = n", n.clone(), digest.to_vec()));
                let mut n_minus_1 = n.clone();
                *n_minus_1.last_mut().unwrap() -= 1;
                candidates.push(("s = n - 1", n_minus_1, digest.to_vec()));
                candidates.push(("all zero", vec![0; k], digest.to_vec()));
                for (what, sig, digest) in candidates {
                    let bio = ours.verify(Hash::Sha256, &digest, &sig).is_ok();
                    let reference = rsa_crate_accepts(&n, &e, &digest, &sig);
                    assert_eq!(
                        bio, reference,
                        "{what}: key {i} ({bits} bits), BIO_RSA_SEED={seed:#x}"
                    );
                    assert_eq!(bio, what == "valid", "{what}: BIO_RSA_SEED={seed:#x}");
                    checked += 1;
                }
                // Not k octets: one octet more (a leading zero) or less. Only Bio refuses the
                // shorter one when it is a valid signature with a zero first octet.
                for sig in [[&[0u8][..], &sig].concat(), sig[1..].to_vec()] {
                    assert_eq!(
                        ours.verify(Hash::Sha256, &digest, &sig),
                        Err(InvalidSignature)
                    );
                }
            }
        }
        println!("{checked} signatures checked against the rsa crate");
    }

    /// RFC 8017 §8.2.2 step 1 through a whole ceremony: the software authenticator's RS256
    /// assertions until one's signature starts with 0x00 (about one in 200 for its key), then
    /// that signature as is (accepted) and without its first octet (refused).
    #[test]
    fn an_assertion_signature_without_its_leading_zero_is_refused() {
        const RP_ID: &str = "bio.example";
        let origins = vec!["https://bio.example".to_owned()];
        let rp = RelyingParty {
            rp_id: RP_ID,
            origins: &origins,
            require_user_verification: false,
        };
        let mut a = SoftAuthenticator::new(Alg::Rs256, 0x2E80);
        let cose = a.public_key_cose();
        let id = a.credential_id().to_vec();
        let user_handle = a.user_handle().to_vec();
        let stored = StoredCredential {
            id: &id,
            public_key_cose: &cose,
            sign_count: 0,
            backup_eligible: Some(false),
            user_handle: Some(&user_handle),
        };
        for attempt in 0..5_000 {
            let challenge = a.random_bytes(32);
            let mut json = a.authenticate(RP_ID, &origins[0], &challenge);
            let sig = base64url::decode(json["response"]["signature"].as_str().unwrap()).unwrap();
            if sig[0] != 0 {
                continue;
            }
            let verify = |json: &serde_json::Value| {
                let r =
                    AuthenticationResponseJson::from_slice(json.to_string().as_bytes()).unwrap();
                verify_authentication(&rp, &challenge, &r, &stored).map(|_| ())
            };
            assert_eq!(verify(&json), Ok(()), "attempt {attempt}");
            json["response"]["signature"] = base64url::encode(&sig[1..]).into();
            assert_eq!(verify(&json), Err(Error::Signature));
            println!("found a signature starting with 0x00 after {attempt} assertions");
            return;
        }
        panic!("no signature starting with 0x00 in 5,000 assertions");
    }
}
