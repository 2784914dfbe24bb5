"""Issue 25, plug-ins: one that fails at import is named in one line, and none replaces a
registered method, domain or metric without saying so."""

from __future__ import annotations

import sys
import warnings

import pytest

from freqxai.cli import main
from freqxai.explainers import explainer_class, list_explainers, register_explainer
from freqxai.explainers.references import RandomReference

# (id, module source, fragments of the one error line)
BROKEN = [
    ("raises ValueError", "raise ValueError('plugin exploded')\n",
     ("raised ValueError while it was imported", "line 1", "plugin exploded")),
    ("raises RuntimeError", "x = 1\nraise RuntimeError('no GPU here')\n",
     ("raised RuntimeError", "line 2", "no GPU here")),
    ("imports a missing package", "import freqxai_no_such_dependency\n",
     ("raised ModuleNotFoundError", "freqxai_no_such_dependency")),
    ("has a syntax error", "def broken(:\n", ("raised SyntaxError",)),
    ("registers freqrise again",
     "from freqxai.explainers import register_explainer\n"
     "from freqxai.explainers.references import RandomReference\n\n"
     "@register_explainer('freqrise')\nclass Fake(RandomReference):\n    pass\n",
     ("explainer 'freqrise' is already registered by freqxai.explainers.freqrise.FreqRISE",
      "override=True")),
]


@pytest.mark.parametrize("source, fragments", [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
@pytest.mark.parametrize("command", ["list", "run"])
def test_a_plugin_that_fails_at_import_is_named_in_one_line(isolated, tmp_path, monkeypatch, capsys,
                                                            source,
                                                            fragments, command):
    name = f"broken_plugin_{abs(hash(source)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    argv = (["list", "--plugin", name] if command == "list" else
            ["run", "synthetic", "--plugin", name, "--n-test", "2", "--methods", "random",
             "--domains", "fft", "--quiet", "--out", str(tmp_path / "run")])
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith(f"freqxai: error: --plugin {name}: the plug-in module {name!r}"), err
    assert all(f in err for f in fragments), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "run").exists()
    assert explainer_class("freqrise").__module__ == "freqxai.explainers.freqrise"


def test_a_missing_plugin_module_is_named_as_before(capsys):
    assert main(["list", "--plugin", "freqxai_no_such_plugin"]) == 2
    err = capsys.readouterr().err
    assert "--plugin freqxai_no_such_plugin: cannot import it" in err
    assert len(err.strip().splitlines()) == 1


def test_an_entry_point_that_fails_is_skipped_with_a_warning_naming_it(monkeypatch):
    import importlib.metadata

    import freqxai.plugins as plugins

    class EntryPoint:
        name, value = "broken", "broken_pkg.plugin"

        def load(self):
            raise RuntimeError("entry point exploded")

    monkeypatch.setattr(plugins, "_loaded", False)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [EntryPoint()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert plugins.load_plugins() == []
    said = " ".join(str(w.message) for w in caught)
    assert "plug-in 'broken' (broken_pkg.plugin) failed to load" in said
    assert "RuntimeError: entry point exploded" in said


class _Other(RandomReference):
    """Another class, for the registry tests."""


# (id, name, aliases, fragment of the refusal)
TAKEN = [
    ("a built-in name", "freqrise", (), "explainer 'freqrise' is already registered"),
    ("another case of a built-in name", "FreqRISE", (), "explainer 'FreqRISE'"),
    ("a built-in name as an alias", "my_method", ("random",), "explainer 'random'"),
]


@pytest.mark.parametrize("name, aliases, message", [c[1:] for c in TAKEN], ids=[c[0] for c in TAKEN])
def test_the_registry_refuses_to_replace_a_registered_name(isolated, name, aliases, message):
    before = list_explainers()
    with pytest.raises(ValueError, match="cannot replace it silently") as info:
        register_explainer(name, aliases=aliases)(_Other)
    assert message in str(info.value) and "test_plugins._Other" in str(info.value)
    assert "override=True" in str(info.value)
    assert list_explainers() == before and "my_method" not in list_explainers()


def test_the_registry_replaces_on_purpose_and_takes_the_same_class_again(isolated):
    register_explainer("random", override=True)(_Other)
    assert explainer_class("random") is _Other
    # a module defining its class again (reloaded, re-run) is no replacement
    again = type("_Other", (RandomReference,), {"__module__": _Other.__module__,
                                                "__qualname__": _Other.__qualname__})
    register_explainer("random")(again)
    assert explainer_class("random") is again
    with pytest.raises(TypeError, match="override must be True or False"):
        register_explainer("x", override="yes")


def test_the_public_decorators_replace_on_purpose(isolated):
    with pytest.raises(ValueError, match="override=True"):
        register_explainer("random")(_Other)
    register_explainer("random", override=True)(_Other)
    assert explainer_class("random") is _Other


def test_import_plugin_takes_one_module_name_as_a_string(tmp_path, monkeypatch):
    from freqxai.plugins import import_plugin

    (tmp_path / "one_string_plugin.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "one_string_plugin", raising=False)
    import_plugin("one_string_plugin")  # one module, not its characters
    assert sys.modules["one_string_plugin"].LOADED


# (id, modules, error, fragment): refused before any module is imported
BAD_MODULES = [
    ("an int entry", [5], TypeError, "modules must hold module names"),
    ("None entry after a valid one", ["json", None], TypeError, "got None (NoneType)"),
    ("bytes", [b"mod"], TypeError, "modules must hold module names"),
    ("an int", 5, TypeError, "modules must be a module name or a list"),
    ("an empty name", [""], ValueError, "modules holds an empty module name"),
]


@pytest.mark.parametrize("modules, error, fragment", [c[1:] for c in BAD_MODULES],
                         ids=[c[0] for c in BAD_MODULES])
def test_import_plugin_refuses_what_is_no_module_name(monkeypatch, modules, error, fragment):
    from freqxai.plugins import import_plugin

    monkeypatch.delitem(sys.modules, "json", raising=False)
    with pytest.raises(error, match="modules") as info:
        import_plugin(modules)
    assert fragment in str(info.value)
    assert "json" not in sys.modules  # nothing imported before the check
