"""``wikiupload user add`` and ``wikiupload botpassword add``."""

from __future__ import annotations

import argparse
from typing import Any

from wikiupload.auth.grants import GRANT_PERMISSIONS
from wikiupload.auth.passwords import generate_bot_password
from wikiupload.auth.users import add_bot_password, create_user, find_user
from wikiupload.config import Settings
from wikiupload.wiki import Wiki

DEFAULT_GRANTS = ["basic", "highvolume", "editpage", "createeditmovepage", "uploadfile",
                  "uploadeditmovefile"]


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="manage user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument("--password", required=True)
    add.add_argument("--group", action="append", default=[], help="group (repeatable)")
    add.set_defaults(run=add_user)

    bot = commands.add_parser("botpassword", help="manage bot passwords (USER@APPID logins)")
    bot_commands = bot.add_subparsers(dest="bot_command", required=True)
    bot_add = bot_commands.add_parser("add", help="create a bot password")
    bot_add.add_argument("user")
    bot_add.add_argument("appid")
    bot_add.add_argument("--password", help="32 characters of [0-9a-w]; generated if absent")
    bot_add.add_argument("--grants", nargs="+", default=DEFAULT_GRANTS,
                         choices=sorted(GRANT_PERMISSIONS), metavar="GRANT",
                         help=f"grants (default: {' '.join(DEFAULT_GRANTS)})")
    bot_add.set_defaults(run=add_botpassword)


def add_user(args: argparse.Namespace, settings: Settings) -> int:
    wiki = Wiki.open(settings)
    with wiki.db() as db:
        user = create_user(db, args.name, args.password, args.group)
        db.commit()
        print(f"Created user {user.name!r} (id {user.id})"
              + (f" in groups {', '.join(args.group)}" if args.group else ""))
    return 0


def add_botpassword(args: argparse.Namespace, settings: Settings) -> int:
    wiki = Wiki.open(settings)
    password = args.password or generate_bot_password()
    with wiki.db() as db:
        user = find_user(db, args.user)
        if user is None:
            raise ValueError(f"no such user: {args.user!r}")
        add_bot_password(db, user, args.appid, password, list(args.grants))
        db.commit()
        print(f"login name: {user.name}@{args.appid}")
        print(f"password:   {password}")
    return 0
