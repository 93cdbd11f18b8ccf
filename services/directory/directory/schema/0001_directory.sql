-- The directory's own rows: the read rows of its streams, and the secrets that never go into the
-- log (password hashes, session token hashes, signing keys, one-time sign-in grants).
CREATE SCHEMA IF NOT EXISTS directory;

CREATE TABLE directory.agencies (
    code          text PRIMARY KEY,
    name          text NOT NULL,
    registered_at timestamptz NOT NULL
);

CREATE TABLE directory.people (
    nip           text PRIMARY KEY,
    name          text NOT NULL,
    position      text NOT NULL,
    echelon       text,
    agency        text NOT NULL REFERENCES directory.agencies (code),
    unit          text,
    email         text,
    mobile        text,
    active        boolean NOT NULL DEFAULT true,
    registered_at timestamptz NOT NULL
);
CREATE INDEX people_agency ON directory.people (agency);

CREATE TABLE directory.roles (
    nip  text NOT NULL REFERENCES directory.people (nip),
    role text NOT NULL,
    PRIMARY KEY (nip, role)
);
CREATE INDEX roles_role ON directory.roles (role);

-- argon2id hashes (pwdlib); the log only says that a credential changed.
CREATE TABLE directory.credentials (
    nip           text PRIMARY KEY REFERENCES directory.people (nip),
    password_hash text NOT NULL,
    must_change   boolean NOT NULL,
    changed_at    timestamptz NOT NULL
);

CREATE TABLE directory.delegations (
    delegation_id uuid PRIMARY KEY,
    position      text NOT NULL,
    kind          text NOT NULL,
    holder_nip    text,
    holder_name   text,
    delegate_nip  text NOT NULL,
    delegate_name text NOT NULL,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    decree_number text NOT NULL,
    ended_on      date,
    end_reason    text,
    granted_at    timestamptz NOT NULL
);
CREATE INDEX delegations_delegate ON directory.delegations (delegate_nip);

-- Session tokens are kept as SHA-256 of the secret: a copy of this table signs nobody in.
CREATE TABLE directory.sessions (
    token_hash text PRIMARY KEY,
    nip        text NOT NULL REFERENCES directory.people (nip),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz,
    address    text,
    via_sso    boolean NOT NULL DEFAULT false -- signed in by the OIDC provider, not a password
);
CREATE INDEX sessions_nip ON directory.sessions (nip);

-- Failed sign-ins, counted per account and per client address over a sliding window.
CREATE TABLE directory.sign_in_failures (
    id        bigserial PRIMARY KEY,
    account   text NOT NULL,
    address   text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_account ON directory.sign_in_failures (account, failed_at);
CREATE INDEX sign_in_failures_address ON directory.sign_in_failures (address, failed_at);

-- Ed25519 keys that sign access tokens. A new key is published first and signs only from
-- `signs_from` (once the other services' JWKS caches have seen it); the key it replaces signs
-- until then and stays published until the last token it signed has expired.
CREATE TABLE directory.signing_keys (
    kid             text PRIMARY KEY,
    private_pem     text NOT NULL,
    public_jwk      jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    signs_from      timestamptz NOT NULL,
    signing_until   timestamptz,
    published_until timestamptz
);

-- One-time codes that turn a single sign-on into a session (kept hashed, used once).
CREATE TABLE directory.grants (
    grant_hash text PRIMARY KEY,
    nip        text NOT NULL REFERENCES directory.people (nip),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- A single sign-on under way: what the callback needs (PKCE verifier, nonce, where to go back).
CREATE TABLE directory.oidc_states (
    state         text PRIMARY KEY,
    code_verifier text NOT NULL,
    nonce         text NOT NULL,
    return_to     text NOT NULL,
    expires_at    timestamptz NOT NULL
);
