"""The environment as a manifest sees it: `${VAR}` may never bring the API key into a manifest.

A manifest's strings end up in run metadata on the server, in reports and in error messages (a
pattern that matched nothing is quoted), and a pull request can change a manifest that CI then
validates with the key in its environment. So `${EXTEND_API_KEY}` is refused by name, set or not,
and so is any variable whose value holds the key (another name for the same secret); `secrets` are
the key's values (EXTEND_API_KEY's, and an --api-key-file's), which the loader also refuses in any
value as written or once expanded (`${A}${B}`, a default, a literal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from extendpipe.manifest.envexpand import ExpandError

SECRET_VARIABLES = ("EXTEND_API_KEY",)


class ManifestEnviron:
    """What `envexpand.expand` reads variables from: `environ`, minus the secrets."""

    def __init__(self, environ: Mapping[str, str], secrets: Iterable[str] = ()):
        self._environ = environ
        known = [environ.get(name) or "" for name in SECRET_VARIABLES] + list(secrets)
        # A key shorter than 8 characters is no real key, and would match ordinary text.
        self.secrets = tuple(dict.fromkeys(k.strip() for k in known if len(k.strip()) >= 8))

    def get(self, name: str, default: str | None = None) -> str | None:
        if name in SECRET_VARIABLES:
            raise ExpandError(f"'${{{name}}}' is the API key, which a manifest may not use",
                              "the key is only ever sent in the Authorization header; remove the reference")
        value = self._environ.get(name, default)
        if value and any(secret in value for secret in self.secrets):
            raise ExpandError(f"environment variable '{name}' holds the API key, which a manifest may not use",
                              "the key is only ever sent in the Authorization header; remove the reference")
        return value
