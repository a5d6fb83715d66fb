"""The environment as a manifest sees it: `${VAR}` may never bring the API key into a manifest.

A manifest's strings end up in run metadata on the server, in reports and in error messages (a
pattern that matched nothing is quoted), and a pull request can change a manifest that CI then
validates with the key in its environment. So `${EXTEND_API_KEY}` is refused by name, set or not,
and so is any variable whose value holds the key (another name for the same secret).
"""

from __future__ import annotations

from collections.abc import Mapping

from extendpipe.manifest.envexpand import ExpandError

SECRET_VARIABLES = ("EXTEND_API_KEY",)


class ManifestEnviron:
    """What `envexpand.expand` reads variables from: `environ`, minus the secrets."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        self._secrets = [value.strip() for name in SECRET_VARIABLES
                         if len((value := environ.get(name) or "").strip()) >= 8]

    def get(self, name: str, default: str | None = None) -> str | None:
        if name in SECRET_VARIABLES:
            raise ExpandError(f"'${{{name}}}' is the API key, which a manifest may not use",
                              "the key is only ever sent in the Authorization header; remove the reference")
        value = self._environ.get(name, default)
        if value and any(secret in value for secret in self._secrets):
            raise ExpandError(f"environment variable '{name}' holds the API key, which a manifest may not use",
                              "the key is only ever sent in the Authorization header; remove the reference")
        return value
