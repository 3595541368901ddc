// A minimal software authenticator for the Node tests: real CBOR, authenticator data,
// clientDataJSON and signatures (node:crypto) for each COSE algorithm Bio accepts (ES256 by
// default, RS256, EdDSA), in the W3C JSON forms that credential.toJSON() produces. The Rust tests
// have the full, overridable one (tests/support/authenticator.rs).
import { createHash, generateKeyPairSync, sign, randomBytes } from 'node:crypto';

export const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

// CBOR: just what an attestation object needs (unsigned/negative ints, bytes, text, maps).
const head = (major, n) => {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b;
};
export const cbor = (value) => {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') { const t = Buffer.from(value); return Buffer.concat([head(3, t.length), t]); }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) {
    return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  }
  throw new Error(`cbor: ${typeof value}`);
};

const fromJwk = (value) => Buffer.from(value, 'base64url');

// Per COSE algorithm: a fresh key pair, its COSE_Key (RFC 9053 labels) and how it signs.
const ALGORITHMS = {
  ES256: () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map([[1, 2], [3, -7], [-1, 1], [-2, fromJwk(jwk.x)], [-3, fromJwk(jwk.y)]]);
    return { cose, sign: (data) => sign('sha256', data, privateKey) }; // DER, as WebAuthn wants
  },
  RS256: () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map([[1, 3], [3, -257], [-1, fromJwk(jwk.n)], [-2, fromJwk(jwk.e)]]);
    return { cose, sign: (data) => sign('sha256', data, privateKey) }; // PKCS #1 v1.5
  },
  EdDSA: () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map([[1, 1], [3, -8], [-1, 6], [-2, fromJwk(jwk.x)]]);
    return { cose, sign: (data) => sign(null, data, privateKey) };
  },
};

export class Authenticator {
  constructor(algorithm = 'ES256') {
    const { cose, sign: signer } = ALGORITHMS[algorithm]();
    this.cose = cbor(cose);
    this.sign = signer;
    this.credentialId = randomBytes(32);
    this.signCount = 0;
    this.userHandle = null;
  }

  authData(rpId, flags, attested) {
    const counter = Buffer.alloc(4); counter.writeUInt32BE(this.signCount);
    const parts = [sha256(Buffer.from(rpId)), Buffer.from([flags]), counter];
    if (attested) {
      const len = Buffer.alloc(2); len.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), len, this.credentialId, this.cose);
    }
    return Buffer.concat(parts);
  }

  clientData(type, challenge, origin) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  // navigator.credentials.create() with attestation "none" → RegistrationResponseJSON.
  create(options, origin) {
    const { rp, user, challenge } = options.publicKey.create;
    this.userHandle = user.id;
    const authData = this.authData(rp.id, 0x45 /* UP UV AT */, true);
    const attestationObject = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: b64(this.credentialId), rawId: b64(this.credentialId), type: 'public-key',
      response: {
        clientDataJSON: b64(this.clientData('webauthn.create', challenge, origin)),
        attestationObject: b64(attestationObject), transports: ['internal'],
      },
      clientExtensionResults: {}, authenticatorAttachment: 'platform',
    };
  }

  // navigator.credentials.get() → AuthenticationResponseJSON.
  get(options, origin) {
    const { rpId, challenge } = options.publicKey.get;
    this.signCount += 1;
    const authData = this.authData(rpId, 0x05 /* UP UV */, false);
    const clientDataJSON = this.clientData('webauthn.get', challenge, origin);
    const signature = this.sign(Buffer.concat([authData, sha256(clientDataJSON)]));
    return {
      id: b64(this.credentialId), rawId: b64(this.credentialId), type: 'public-key',
      response: {
        clientDataJSON: b64(clientDataJSON), authenticatorData: b64(authData),
        signature: b64(signature), userHandle: this.userHandle,
      },
      clientExtensionResults: {}, authenticatorAttachment: 'platform',
    };
  }
}

// A cookie jar over fetch, with our page's Origin on every POST.
export class Client {
  constructor(base) { this.base = base; this.origin = new URL(base).origin; this.cookies = new Map(); }

  absorb(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (attributes.includes('Max-Age=0')) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }

  headers(extra = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...(cookie ? { cookie } : {}), ...extra };
  }

  async post(path, body) {
    const response = await fetch(this.base + path, {
      method: 'POST', redirect: 'manual',
      headers: this.headers({ origin: this.origin, ...(body ? { 'content-type': 'application/json' } : {}) }),
      body: body ? JSON.stringify(body) : undefined,
    });
    this.absorb(response);
    return response;
  }

  // A page load (sets the browser-binding cookie), then /auth/start: the options and this tab's
  // ceremony token (`options.ceremony`).
  async start() {
    if (!this.cookies.has('__Host-bio-browser')) {
      this.absorb(await fetch(this.base + '/', { headers: this.headers() }));
    }
    return (await this.post('/auth/start')).json();
  }

  // POST /auth/finish with the tab's token and the credential.
  finish(options, credential) {
    return this.post('/auth/finish', { ceremony: options.ceremony, credential });
  }
}

// Registers a new user with a fresh authenticator; returns the signed-in client and its authenticator.
export const register = async (base) => {
  const client = new Client(base);
  const authenticator = new Authenticator();
  const options = await client.start();
  const response = await client.finish(options, authenticator.create(options, client.origin));
  if (response.status !== 200) throw new Error(`register: ${response.status} ${await response.text()}`);
  return { client, authenticator };
};
