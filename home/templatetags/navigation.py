"""Navigation template tags (placeholder until the CMS base fills them)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    return ""


@register.simple_tag(takes_context=True)
def breadcrumbs(context, page):
    return ""


@register.simple_tag(takes_context=True)
def footer_links(context):
    return ""
