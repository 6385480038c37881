"""typer's own words (panel titles, "Usage:", the --help option, [default: …], usage errors) in the screen's
language, from xuexi's message catalogue (pipeline/messages.py). typer reads some through gettext's default
domain, which does not know that no LANG means Chinese, and writes the rest out in English; both are replaced
here, once, before the command is built."""

from __future__ import annotations

from typer import core, rich_utils
from typer._click import decorators, exceptions, formatting
from typer.exceptions import TyperException

from ..messages import N_, _, shown

# typer's usage errors as it writes them, for the catalogue, whose Chinese of them `shown` reads back
USAGE_ERRORS = (N_("Missing argument {hint}."), N_("Missing option {hint}."), N_("Missing command."),
                N_("No such option: {name}"), N_("No such option: {name} (Possible options: {options})"),
                N_("No such command {name!r}."), N_("Invalid value for {hint}: {message}"),
                N_("Got unexpected extra argument(s) ({arguments})"))


def typer_speaks_the_screen_language() -> None:
    for name, text in {"ARGUMENTS_PANEL_TITLE": _("Arguments"), "OPTIONS_PANEL_TITLE": _("Options"),
                       "COMMANDS_PANEL_TITLE": _("Commands"), "ERRORS_PANEL_TITLE": _("Error"),
                       "ABORTED_TEXT": _("Aborted."), "DEFAULT_STRING": _("[default: {}]"),
                       "REQUIRED_LONG_STRING": _("[required]"),
                       "RICH_HELP": _("Try [blue]'{command_path} {help_option}'[/] for help.")}.items():
        setattr(rich_utils, name, text)
    core._ = _  # "No such command …", "Missing command."
    rich_utils._make_rich_text = _folded(rich_utils._make_rich_text)
    write_usage = formatting.HelpFormatter.write_usage
    formatting.HelpFormatter.write_usage = lambda self, prog, args="", prefix=None: \
        write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)
    for error in (TyperException, exceptions.BadParameter, exceptions.MissingParameter, exceptions.NoSuchOption):
        error.format_message = _shown(vars(error)["format_message"])
    decorators.help_option = _help_option(decorators.help_option)


def _folded(make_text):
    """Help text that folds: Chinese has no spaces to wrap at, and rich would cut a long line off."""
    def make(**kwargs):
        text = make_text(**kwargs)
        text.overflow = "fold"
        return text
    return make


def _shown(format_message):
    return lambda error: shown(format_message(error))


def _help_option(help_option):
    def with_help(param_decls):
        def add(command):
            help_option(param_decls)(command)
            command.params[-1].help = _("Show this message and exit.")
            return command
        return add
    return with_help
