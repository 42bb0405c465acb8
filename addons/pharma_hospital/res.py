# This file is part of the pharma suite. See README.md for license terms.
import datetime

from trytond import config
from trytond.pool import PoolMeta

# Failed logins are forgotten after this many seconds at most
ATTEMPT_WINDOW = 15 * 60


class LoginAttempt(metaclass=PoolMeta):
    __name__ = 'res.user.login.attempt'

    @classmethod
    def delay(cls):
        """Tryton keeps failed attempts for the whole [session] timeout (a
        working day for the web client): twenty wrong passwords would lock
        a login out for a day on every device without its device cookie.
        Keep them for [session] login_attempt_window seconds (15 minutes by
        default) at most. Tryton's delays and 429 stay, and the attempts
        are still counted per device cookie: a known device is not locked
        out by wrong passwords sent without its cookie."""
        window = min(
            config.getint('session', 'timeout'),
            config.getint('session', 'login_attempt_window',
                default=ATTEMPT_WINDOW))
        return datetime.datetime.now() - datetime.timedelta(seconds=window)
