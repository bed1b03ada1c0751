"""A throwaway SMTP submission server for Lull's tests, on aiosmtpd.

Usage: smtp_server.py DIR PORT USER PASSWORD [CERT KEY]

Listens on 127.0.0.1:PORT, requires AUTH (PLAIN or LOGIN) with USER and PASSWORD, offers
STARTTLS when CERT and KEY are given (and then requires it before AUTH). Each message accepted
is written to DIR as NNN.eml with NNN.json beside it (the envelope and the login). The file
DIR/mode chooses how DATA is answered: absent or "ok" accepts; "451" and "550" refuse with
that code (a temporary and a permanent refusal). Prints "ready" once it listens.
"""
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

directory, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tls = None
if len(sys.argv) > 6:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(sys.argv[5], sys.argv[6])


def mode():
    try:
        with open(os.path.join(directory, "mode")) as f:
            return f.read().strip()
    except FileNotFoundError:
        return "ok"


class Handler:
    async def handle_DATA(self, server, session, envelope):
        m = mode()
        if m == "451":
            return "451 4.3.0 Mailbox busy, try again later"
        if m == "550":
            return "550 5.7.1 Message refused by policy"
        n = len([f for f in os.listdir(directory) if f.endswith(".eml")])
        base = os.path.join(directory, "%03d" % n)
        with open(base + ".json.tmp", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "login": session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data,
                "tls": session.ssl is not None,
            }, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Message accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=port,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=tls is not None,
    require_starttls=tls is not None,
    tls_context=tls,
)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
