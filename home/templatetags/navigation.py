"""Navigation template tags: main menu, breadcrumbs and footer links of the current site."""

from django import template
from wagtail.models import Page, Site

from home.models import PortalSettings

register = template.Library()


def _site(context):
    request = context.get("request")
    return Site.find_for_request(request) if request is not None else None


@register.inclusion_tag("home/tags/main_menu.html", takes_context=True)
def main_menu(context):
    """The live pages marked "show in menus" directly below the current site's root page."""
    site = _site(context)
    if site is None:
        return {"items": []}
    current = context.get("page")
    current_path = current.path if isinstance(current, Page) else ""
    items = []
    # find_for_request fetches the root page along with the site, so this is the menu's only query.
    for child in site.root_page.get_children().live().in_menu():
        items.append(
            {
                "page": child,
                "is_current": child.path == current_path,
                "is_ancestor": current_path.startswith(child.path) and child.path != current_path,
            }
        )
    return {"items": items, "request": context.get("request")}


@register.inclusion_tag("home/tags/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page):
    """The trail from the site's root page down to ``page``; empty on the root page itself."""
    site = _site(context)
    request = context.get("request")
    if not isinstance(page, Page) or page.is_root():
        return {"crumbs": []}
    root_id = site.root_page_id if site is not None else None
    if page.pk == root_id:
        return {"crumbs": []}
    ancestors = list(Page.objects.ancestor_of(page, inclusive=True).filter(depth__gt=1).order_by("path"))
    # Start the trail at the site root; a page outside the site (a preview of a detached page) keeps its full trail.
    ids = [ancestor.pk for ancestor in ancestors]
    if root_id in ids:
        ancestors = ancestors[ids.index(root_id) :]
    if len(ancestors) < 2:
        return {"crumbs": []}
    return {"home": ancestors[0], "crumbs": ancestors[1:], "request": request}


@register.inclusion_tag("home/tags/footer_links.html", takes_context=True)
def footer_links(context):
    """The footer links configured in the current site's portal settings."""
    request = context.get("request")
    if _site(context) is None:
        return {"links": []}
    portal = PortalSettings.for_request(request)
    return {"links": [link.value for link in portal.footer_links], "request": request}
