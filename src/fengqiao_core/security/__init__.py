"""Security 安全: who may do what, the audit chain, the station's keys, and logs that mask.

- :mod:`~fengqiao_core.security.access` — roles and permissions, deny by default;
- :mod:`~fengqiao_core.security.audit` — the HMAC-chained audit log and its verification;
- :mod:`~fengqiao_core.security.copies` — copies of model values for masking and sealing;
- :mod:`~fengqiao_core.security.coverage` — the digest of what each audit entry's unit stored;
- :mod:`~fengqiao_core.security.crypto` — the algorithm registry (MACs, derivations, signatures);
- :mod:`~fengqiao_core.security.datakeys` — data keys wrapped by the key-encryption key;
- :mod:`~fengqiao_core.security.files` — reading a user-named file: regular, bounded;
- :mod:`~fengqiao_core.security.keys` — the station secret;
- :mod:`~fengqiao_core.security.logs` — the package's loggers, which scrub personal numbers;
- :mod:`~fengqiao_core.security.pickling` — the explicit permission to pickle personal values;
- :mod:`~fengqiao_core.security.rotation` — the current secret and the retired ones;
- :mod:`~fengqiao_core.security.sealing` — personal values sealed at rest (AES-256-GCM);
- :mod:`~fengqiao_core.security.verification` — audit coverage checked against the store;
- :mod:`~fengqiao_core.security.views` — what a reader is shown: masked, screening for officers;
- :mod:`~fengqiao_core.security.witness` — the chain's signed head, kept outside the database.
"""
