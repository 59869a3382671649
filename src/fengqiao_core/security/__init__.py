"""Security 安全: who may do what, the audit chain, the station's keys, and logs that mask.

- :mod:`~fengqiao_core.security.access` — roles and permissions, deny by default;
- :mod:`~fengqiao_core.security.audit` — the HMAC-chained audit log and its verification;
- :mod:`~fengqiao_core.security.files` — reading a user-named file: regular, bounded;
- :mod:`~fengqiao_core.security.keys` — the station secret;
- :mod:`~fengqiao_core.security.logs` — the package's loggers, which scrub personal numbers;
- :mod:`~fengqiao_core.security.pickling` — the explicit permission to pickle personal values.
"""
