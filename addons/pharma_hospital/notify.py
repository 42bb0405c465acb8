# This file is part of the pharma suite. See README.md for license terms.
"""Notifications in the recipient's language: a `Message` is an ir.message
with its variables, rendered for each recipient in the recipient's
language, dates in that language's format (ir.lang: 2026-12-04 in zh_CN)."""
import datetime

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction


class Message:
    "An ir.message (module.msg_id) and its variables, rendered later"
    __slots__ = ('message_id', 'variables')

    def __init__(self, message_id, **variables):
        self.message_id = message_id
        self.variables = variables

    def render(self, language=None):
        pool = Pool()
        Lang = pool.get('ir.lang')
        with Transaction().set_context(language=language):
            lang = Lang.get()
            variables = {k: _format(lang, v)
                for k, v in self.variables.items()}
            return gettext(self.message_id, **variables)

    def __str__(self):
        return self.render(Transaction().language)

    # equal to its text in the current language (callers and tests compare
    # the alerts with gettext's text)
    def __eq__(self, other):
        if isinstance(other, Message):
            return (self.message_id, self.variables) == (
                other.message_id, other.variables)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self):
        return hash(str(self))


def _format(lang, value):
    if isinstance(value, Message):
        return value.render(lang.code)
    if isinstance(value, datetime.datetime):
        return lang.strftime(value, lang.date + ' %H:%M')
    if isinstance(value, datetime.date):
        return lang.strftime(value)
    return value


def user_language(user):
    "The code of the language of user (a res.user or its id)"
    pool = Pool()
    User = pool.get('res.user')
    Config = pool.get('ir.configuration')
    if isinstance(user, int):
        user = User(user)
    if user.language:
        return user.language.code
    return Config.get_language()


def render(text, user):
    "text (a Message, a date or a str) in the language of user"
    if isinstance(text, Message):
        return text.render(user_language(user))
    if isinstance(text, datetime.date):
        pool = Pool()
        Lang = pool.get('ir.lang')
        return _format(Lang.get(user_language(user)), text)
    return text
