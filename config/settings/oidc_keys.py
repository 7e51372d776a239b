"""The signing key of the portal's OpenID Connect provider: from the environment, a dev file, or made in memory.

Settings import this module before Django is set up, so it uses `cryptography` only.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ENV_KEY = "PORTAL_OIDC_PRIVATE_KEY"
ENV_KEY_FILE = "PORTAL_OIDC_PRIVATE_KEY_FILE"


class OIDCKeyError(RuntimeError):
    """The configured key cannot be used; the message says which variable and why."""


def generate_private_key_pem():
    """A new RSA key (ID tokens are signed RS256, the only algorithm allauth's provider offers) as PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def check_private_key_pem(pem, source):
    """Return `pem` if it is an unencrypted RSA private key, else raise OIDCKeyError naming `source`."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as error:
        raise OIDCKeyError(f"{source} does not hold an unencrypted PEM private key: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise OIDCKeyError(f"{source} must be an RSA private key (ID tokens are signed with RS256).")
    return pem


def private_key_from_environ(environ):
    """The PEM from PORTAL_OIDC_PRIVATE_KEY or the file named by PORTAL_OIDC_PRIVATE_KEY_FILE; "" if neither is set."""
    pem = environ.get(ENV_KEY, "").strip()
    if pem:
        if "\n" not in pem:
            # Some deployment tools cannot hold newlines in a variable and pass them as the two characters \n.
            pem = pem.replace("\\n", "\n")
        return check_private_key_pem(pem + "\n", ENV_KEY)
    path = environ.get(ENV_KEY_FILE, "").strip()
    if path:
        try:
            pem = Path(path).read_text(encoding="ascii")
        except OSError as error:
            raise OIDCKeyError(f"{ENV_KEY_FILE}={path} cannot be read: {error}") from error
        return check_private_key_pem(pem, f"{ENV_KEY_FILE}={path}")
    return ""


def dev_key_file(path):
    """The key kept in `path`, created on first use, so ID tokens stay valid across restarts of `make run`.

    Several processes (web server, job cluster) may start at once: the file appears complete or not at all.
    """
    path = Path(path)
    if path.exists():
        return check_private_key_pem(path.read_text(encoding="ascii"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(generate_private_key_pem())
    try:
        os.link(temporary, path)  # fails if another process was first; then its key is the one
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return check_private_key_pem(path.read_text(encoding="ascii"), str(path))
