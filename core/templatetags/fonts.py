"""{% load fonts %}{% pdf_font_faces %} inside a PDF template's <style>: the shipped DejaVu Sans."""

from django import template
from django.utils.safestring import mark_safe

from core.fonts import css_font_faces

register = template.Library()


@register.simple_tag
def pdf_font_faces():
    return mark_safe(css_font_faces())  # built from our own file paths, no outside input
