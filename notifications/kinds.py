"""Notification kinds. Each app registers its kinds in AppConfig.ready(), saying whether the kind
also sends an email and from which template (`<template>.<locale>.subject.txt`, `.txt`, `.html`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    email_template: str | None = None


_kinds = {}


def register(name, *, email=False, template=None):
    """register("invoice_issued", email=True, template="billing/emails/invoice_issued")"""
    if email and not template:
        template = f"emails/{name}"
    _kinds[name] = Kind(name=name, email_template=template if email else None)
    return _kinds[name]


def get(name):
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"Unknown notification kind “{name}”: register it in its app's ready().") from None
