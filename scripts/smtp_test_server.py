#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for tests/mail.rs (aiosmtpd, installed by
scripts/smtp-server-setup.sh), and a parser for the messages it receives.

    smtp_test_server.py serve --dir DIR [--tls starttls|implicit|none]
        [--user U --password-file F] [--refuse ADDR]... [--lifetime S]
    smtp_test_server.py parse FILE

`serve` makes a certificate authority and a certificate for 127.0.0.1 and
localhost (trustme), writes the authority to DIR/ca.pem, prints
{"port": N} once it listens, and stops by itself after --lifetime seconds.
Each message is kept as DIR/msg-N.eml with DIR/msg-N.json beside it: the
envelope, whether TLS and AUTH were used, and the message as Python's email
package reads it. `parse` prints that reading of one file (standard library
only).
"""

import argparse
import email
import email.policy
import json
import pathlib
import sys


def reading(raw):
    """The message as a mail client's parser sees it."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append(
            {
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "body": part.get_content(),
                "defects": [str(d) for d in part.defects],
            }
        )
    return {
        "headers": [[k, str(v)] for k, v in msg.items()],
        "content_type": msg.get_content_type(),
        "defects": [str(d) for d in msg.defects],
        "parts": parts,
    }


def serve(args):
    import asyncio
    import ssl

    import trustme
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    out = pathlib.Path(args.dir)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(out / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    password = None
    if args.password_file:
        password = pathlib.Path(args.password_file).read_text().strip().encode()
    refused = {a.lower() for a in args.refuse}
    count = [0]

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == (args.user or "").encode()
            and auth_data.password == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.lower() in refused:
                return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox" % address
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            count[0] += 1
            name = "msg-%d" % count[0]
            raw = envelope.original_content
            (out / (name + ".eml")).write_bytes(raw)
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                "login": (
                    session.auth_data.login.decode()
                    if isinstance(session.auth_data, LoginPassword)
                    else None
                ),
                "message": reading(raw),
            }
            (out / (name + ".json")).write_text(json.dumps(record))
            return "250 Message accepted for delivery"

    def factory():
        kwargs = dict(hostname="localhost", ident="tidings test SMTP")
        if args.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if password is not None:
            kwargs.update(
                authenticator=authenticate,
                auth_required=True,
                # aiosmtpd counts only STARTTLS as TLS here.
                auth_require_tls=args.tls == "starttls",
            )
        return SMTP(Handler(), **kwargs)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory,
            host="127.0.0.1",
            port=0,
            ssl=context if args.tls == "implicit" else None,
        )
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"port": port}), flush=True)
        await asyncio.sleep(args.lifetime)
        server.close()

    asyncio.run(main())


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--tls", choices=["starttls", "implicit", "none"], default="starttls")
    s.add_argument("--user")
    s.add_argument("--password-file")
    s.add_argument("--refuse", action="append", default=[])
    s.add_argument("--lifetime", type=float, default=120)
    r = sub.add_parser("parse")
    r.add_argument("file")
    args = p.parse_args()
    if args.cmd == "serve":
        serve(args)
    else:
        json.dump(reading(pathlib.Path(args.file).read_bytes()), sys.stdout)


if __name__ == "__main__":
    main()
