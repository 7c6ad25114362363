"""Settings: defaults, TOML, environment, and the generated configuration page."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikiupload.cli.settings_doc import markdown
from wikiupload.config import load


def test_environment_overrides_toml(tmp_path: Path) -> None:
    toml = tmp_path / "wiki.toml"
    toml.write_text('sitename = "FromToml"\nmax_upload_size = 10\n'
                    '[group_permissions.user]\nupload = false\n')
    settings = load(toml, env={"WIKIUPLOAD_MAX_UPLOAD_SIZE": "20",
                               "WIKIUPLOAD_FILE_EXTENSIONS": "png, svg"})
    assert settings.sitename == "FromToml"
    assert settings.max_upload_size == 20
    assert settings.file_extensions == ["png", "svg"]
    assert settings.rights_of_groups()["user"]["upload"] is False
    assert settings.rights_of_groups()["user"]["reupload"] is True


def test_unknown_setting_in_toml_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "wiki.toml"
    toml.write_text("max_uplaod_size = 1\n")
    with pytest.raises(ValueError, match="max_uplaod_size"):
        load(toml, env={})


def test_boolean_and_json_from_environment() -> None:
    settings = load(env={"WIKIUPLOAD_ALLOW_COPY_UPLOADS": "yes",
                         "WIKIUPLOAD_GROUP_PERMISSIONS": '{"bot": {"upload_by_url": true}}'})
    assert settings.allow_copy_uploads is True
    assert settings.rights_of_groups()["bot"]["upload_by_url"] is True


def test_configuration_page_is_current() -> None:
    page = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert page.read_text() == markdown(), "run: wikiupload settings > docs/configuration.md"
