#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd, Debian package python3-aiosmtpd).

Speaks plain SMTP, STARTTLS (required before AUTH and MAIL) or implicit TLS, with AUTH
PLAIN/LOGIN for one user, and writes every accepted message as an .eml file in --maildir.
Prints "listo" once it accepts connections; stops on SIGTERM.

A mailbox whose local part starts with "rechazado" does not exist here: its RCPT gets a
permanent 550, as a real server answers for one recipient, while the others are accepted.
A sender whose local part starts with "remitente-rechazado" is not allowed to send: its
MAIL FROM gets a permanent 553 5.1.8, as a server answers a station's wrong sender.
"""
import argparse
import asyncio
import itertools
import os
import signal
import ssl
import sys
import warnings

# aiosmtpd warns about its own deprecations and about AUTH over implicit TLS; the
# test output should only show what the tests say.
warnings.filterwarnings("ignore")

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class SaveToDir:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(len(os.listdir(directory)) + 1)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.split("@")[0].lower().startswith("remitente-rechazado"):
            return "553 5.1.8 Remitente no permitido"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].lower().startswith("rechazado"):
            return "550 5.1.1 Buzon inexistente"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{next(self.counter):06d}.eml"
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.directory, name))
        return "250 2.0.0 Mensaje aceptado"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", choices=["plain", "starttls", "tls"], default="plain")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--maildir", required=True)
    a = p.parse_args()
    os.makedirs(a.maildir, exist_ok=True)

    context = None
    if a.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        return AuthResult(success=ok, handled=False)

    kwargs = dict(hostname="127.0.0.1", port=a.port, server_hostname="localhost")
    if a.user:
        # With implicit TLS aiosmtpd does not see the wrapped socket as TLS; the whole
        # connection is encrypted anyway, so only STARTTLS needs the check.
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=(a.mode == "starttls"))
    if a.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif a.mode == "tls":
        kwargs.update(ssl_context=context)
    controller = Controller(SaveToDir(a.maildir), **kwargs)
    controller.start()
    print("listo", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
