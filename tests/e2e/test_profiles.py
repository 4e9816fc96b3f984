"""profiles.yml holds no secret: every credential, in the live targets and in the commented
examples alike, comes from an environment variable with no default but the empty string."""

from __future__ import annotations

import re

from support.project import PROJECT_DIR

SECRET_KEYS = {
    "password",
    "token",
    "client_secret",
    "private_key",
    "private_key_path",
    "private_key_passphrase",
    "passphrase",
    "secret",
    "access_token",
    "api_key",
}
SETTING = re.compile(r"^\s*#?\s*(?P<key>[a-z_]+):\s*(?P<value>.+?)\s*$")
FROM_ENVIRONMENT = re.compile(r"""^"\{\{ env_var\('[A-Z0-9_]+'(, '')?\) \}\}"$""")


def secret_settings(text: str) -> list[tuple[int, str, str]]:
    settings = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = SETTING.match(line)
        if match and match["key"] in SECRET_KEYS:
            settings.append((number, match["key"], match["value"]))
    return settings


def test_every_credential_comes_from_the_environment():
    settings = secret_settings((PROJECT_DIR / "profiles.yml").read_text())
    assert len(settings) >= 5, "the profiles' credentials were not found: has the file moved?"
    literal = [setting for setting in settings if not FROM_ENVIRONMENT.match(setting[2])]
    assert not literal, f"credentials not read from the environment: {literal}"


def test_the_check_catches_a_literal_secret():
    text = "password: \"{{ env_var('PGPASSWORD', 'hunter2') }}\"\n    # token: \"dapi123\"\n"
    settings = secret_settings(text)
    assert [key for _, key, _ in settings] == ["password", "token"]
    assert not any(FROM_ENVIRONMENT.match(value) for _, _, value in settings)
