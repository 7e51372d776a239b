"""The Musterwil demo site of the CMS base: home page, first content pages and portal settings."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import GroupPagePermission, Locale, Page, Site

from .models import HomePage, PortalSettings, StandardPage

HOME_SLUG = "musterwil"
SITE_NAME = "Gemeinde Musterwil"
ADDRESS = "Gemeindeverwaltung Musterwil\nDorfstrasse 1\n9999 Musterwil"
OPENING_HOURS = "Montag bis Freitag: 08.00–11.30 Uhr und 14.00–17.00 Uhr\nDonnerstag bis 18.30 Uhr"


def _stream(model, raw, field="body"):
    """Turn raw StreamField JSON (a list of {"type", "value"}) into the value of ``model.field``."""
    return model._meta.get_field(field).stream_block.to_python(raw)


def _block(block_type, value):
    return {"type": block_type, "value": value}


def _paragraph(*paragraphs):
    return _block("paragraph", "".join(f"<p>{text}</p>" for text in paragraphs))


def _heading(text, level="h2"):
    return _block("heading", {"text": text, "level": level})


def _save(page, parent, fields):
    """Create ``page`` below ``parent`` or update it, and publish it either way."""
    for name, value in fields.items():
        setattr(page, name, value)
    if page.pk is None:
        parent.add_child(instance=page)
    # A revision gives editors a history to compare against; publishing keeps the live page in step with it.
    page.save_revision(log_action=False).publish(log_action=False)
    return page


def _child(parent, model, slug, **fields):
    """The page of type ``model`` with ``slug`` directly below ``parent``, created or updated."""
    page = model.objects.child_of(parent).filter(slug=slug).first() or model(slug=slug)
    return _save(page, parent, fields)


def _home_page(tree_root, site):
    """The Musterwil home page below the tree root, created if missing; its content is filled in later."""
    home = HomePage.objects.child_of(tree_root).filter(slug=HOME_SLUG).first()
    if home is None and site is not None and isinstance(site.root_page.specific, HomePage):
        home = site.root_page.specific
    if home is None:
        home = tree_root.add_child(instance=HomePage(title=SITE_NAME, slug=HOME_SLUG))
    return home


def _tree_root():
    """Wagtail's root node, recreated with the default locale on a database that lost them (a flushed test DB)."""
    root = Page.get_first_root_node()
    if root is None:
        locale, _ = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def _let_editors_publish(home):
    """The demo's web editors (Wagtail's "Editors" group) may create and publish pages below the home page."""
    editors, _ = Group.objects.get_or_create(name="Editors")
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=EDITOR_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=editors, page=home, permission=permission)


def _default_site():
    return (
        Site.objects.filter(hostname="localhost", port=80).first() or Site.objects.filter(is_default_site=True).first()
    )


def _delete_welcome_page(tree_root):
    """Remove the page Wagtail's initial migration creates, unless a site still needs it."""
    plain_page = ContentType.objects.get_for_model(Page)
    for page in Page.objects.child_of(tree_root).filter(content_type=plain_page, slug="home"):
        if not Site.objects.filter(root_page=page).exists():
            page.delete()


def _verwaltung_body():
    return [
        _paragraph(
            "Die Gemeindeverwaltung ist die erste Anlaufstelle für Ihre Anliegen: Einwohnerdienste, Steuern, "
            "Bauverwaltung und Finanzen sind unter einem Dach an der Dorfstrasse 1.",
            "Viele Dienstleistungen erledigen Sie online mit Ihrem Benutzerkonto. Für alles andere sind wir am "
            "Schalter und am Telefon für Sie da.",
        ),
        _block(
            "accordion",
            {
                "title": "Häufige Fragen",
                "items": [
                    {
                        "question": "Wo erhalte ich eine Wohnsitzbescheinigung?",
                        "answer": (
                            "<p>Sie bestellen die Wohnsitzbescheinigung online mit Ihrem Benutzerkonto oder am "
                            "Schalter der Einwohnerdienste. Die Gebühr beträgt CHF 20.–.</p>"
                        ),
                    },
                    {
                        "question": "Wie melde ich meinen Zuzug?",
                        "answer": (
                            "<p>Melden Sie sich innert 14 Tagen nach dem Umzug an. Bringen Sie einen gültigen "
                            "Ausweis, den Heimatschein oder die Aufenthaltsbewilligung und den Mietvertrag mit.</p>"
                        ),
                    },
                    {
                        "question": "Ist die Verwaltung über die Feiertage geöffnet?",
                        "answer": (
                            "<p>Zwischen Weihnachten und Neujahr bleibt die Verwaltung geschlossen. Im Todesfall "
                            "erreichen Sie das Bestattungsamt über die Notfallnummer auf dem Anrufbeantworter.</p>"
                        ),
                    },
                ],
            },
        ),
        _block(
            "contact_card",
            {
                "office": "Einwohnerdienste",
                "person": "Erika Muster",
                "address": ADDRESS,
                "phone": "+41 71 000 00 10",
                "email": "einwohnerdienste@musterwil.example",
                "opening_hours": OPENING_HOURS,
            },
        ),
    ]


def _leben_body(verwaltung):
    return [
        _paragraph(
            "Musterwil liegt zwischen Wald und See und zählt rund 4500 Einwohnerinnen und Einwohner. Über 40 Vereine "
            "prägen das Dorfleben – vom Turnverein bis zur Musikgesellschaft.",
            "Die Kehrichtabfuhr ist jeden Dienstag, die Grüngutabfuhr jeden zweiten Freitag. Die Sammelstelle an der "
            "Werkhofstrasse ist am Mittwochnachmittag und Samstagmorgen geöffnet.",
        ),
        _block(
            "call_to_action",
            {
                "title": "Neu in Musterwil?",
                "text": "Die Einwohnerdienste heissen Sie willkommen und beantworten Ihre Fragen zum Zuzug.",
                "page": verwaltung.pk,
                "url": "",
                "button_label": "Zur Gemeindeverwaltung",
            },
        ),
        _block(
            "login_button",
            {
                "heading": "Zum Benutzerkonto",
                "text": (
                    "Mit dem Benutzerkonto der Gemeinde erledigen Sie Ihre Anliegen online und sehen jederzeit, "
                    "wie weit Ihre Geschäfte sind."
                ),
                "button_label": "Anmelden",
                "next_page": None,
            },
        ),
    ]


def _home_body(verwaltung):
    return [
        _heading("Ihre Gemeinde online"),
        _paragraph(
            "Mit dem zentralen Benutzerkonto bestellen Sie Bescheinigungen, melden einen Umzug und verfolgen den "
            "Stand Ihrer Gesuche – von zu Hause aus."
        ),
        _block(
            "call_to_action",
            {
                "title": "Anliegen an die Verwaltung?",
                "text": "Öffnungszeiten, Kontakte und Antworten auf häufige Fragen finden Sie bei der Verwaltung.",
                "page": verwaltung.pk,
                "url": "",
                "button_label": "Zur Gemeindeverwaltung",
            },
        ),
    ]


def _datenschutz_body():
    return [
        _paragraph(
            "Die Gemeinde Musterwil bearbeitet Personendaten nach dem Datenschutzgesetz des Kantons und nur so weit, "
            "wie es für ihre Aufgaben nötig ist.",
        ),
        _heading("Benutzerkonto"),
        _paragraph(
            "Für das Benutzerkonto speichern wir Ihre E-Mail-Adresse, Ihren Namen und die Angaben, die Sie in "
            "Formularen machen. Sie können Ihre Daten jederzeit herunterladen und Ihr Konto löschen, soweit keine "
            "laufenden Geschäfte dem entgegenstehen.",
        ),
        _heading("Cookies"),
        _paragraph(
            "Diese Website setzt nur Cookies, die für die Anmeldung und die Sicherheit nötig sind. Es werden keine "
            "Analyse- oder Werbedienste eingebunden.",
        ),
    ]


def _impressum_body():
    return [
        _heading("Herausgeberin"),
        _paragraph("Gemeinde Musterwil<br>Gemeindeverwaltung<br>Dorfstrasse 1<br>9999 Musterwil"),
        _heading("Kontakt"),
        _paragraph(
            'Telefon +41 71 000 00 00<br>E-Mail <a href="mailto:gemeinde@musterwil.example">'
            "gemeinde@musterwil.example</a>"
        ),
        _heading("Haftungsausschluss"),
        _paragraph(
            "Die Gemeinde prüft die Inhalte dieser Website sorgfältig, übernimmt aber keine Gewähr für die "
            "Richtigkeit und Vollständigkeit der Angaben.",
        ),
    ]


@transaction.atomic
def ensure_demo_site():
    """Create or update the Musterwil home page, its first pages and settings; return the home page."""
    tree_root = _tree_root()
    site = _default_site()
    home = _home_page(tree_root, site)

    if site is None:
        site = Site(hostname="localhost", port=80)
    site.hostname, site.port, site.is_default_site = "localhost", 80, True
    site.site_name, site.root_page = SITE_NAME, home
    site.save()
    # Only one site may be the default, and the demo's must be it.
    Site.objects.filter(is_default_site=True).exclude(pk=site.pk).update(is_default_site=False)
    _delete_welcome_page(tree_root)

    verwaltung = _child(
        home,
        StandardPage,
        "verwaltung",
        title="Verwaltung",
        show_in_menus=True,
        intro="Öffnungszeiten, Kontakte und Antworten auf häufige Fragen an die Gemeindeverwaltung.",
        body=_stream(StandardPage, _verwaltung_body()),
    )
    _child(
        home,
        StandardPage,
        "leben-in-musterwil",
        title="Leben in Musterwil",
        show_in_menus=True,
        intro="Vereine, Freizeit und Entsorgung: was das Dorfleben in Musterwil ausmacht.",
        body=_stream(StandardPage, _leben_body(verwaltung)),
    )
    datenschutz = _child(
        home,
        StandardPage,
        "datenschutz",
        title="Datenschutz",
        show_in_menus=False,
        intro="Wie die Gemeinde Musterwil mit Ihren Personendaten umgeht.",
        body=_stream(StandardPage, _datenschutz_body()),
    )
    impressum = _child(
        home,
        StandardPage,
        "impressum",
        title="Impressum",
        show_in_menus=False,
        intro="Verantwortlich für den Inhalt dieser Website.",
        body=_stream(StandardPage, _impressum_body()),
    )

    home = _save(
        home,
        tree_root,
        {
            "title": SITE_NAME,
            "seo_title": "Willkommen",
            "intro": (
                "Willkommen in Musterwil. Hier finden Sie Informationen aus Gemeinde und Verwaltung und erledigen "
                "viele Anliegen online – rund um die Uhr."
            ),
            "body": _stream(HomePage, _home_body(verwaltung)),
        },
    )

    portal = PortalSettings.for_site(site)
    portal.municipality_name = SITE_NAME
    portal.contact_address = ADDRESS
    portal.contact_phone = "+41 71 000 00 00"
    portal.contact_email = "gemeinde@musterwil.example"
    portal.opening_hours = OPENING_HOURS
    portal.footer_links = _stream(
        PortalSettings,
        [
            _block("link", {"label": "Datenschutz", "page": datenschutz.pk, "url": ""}),
            _block("link", {"label": "Impressum", "page": impressum.pk, "url": ""}),
        ],
        field="footer_links",
    )
    portal.save()
    _let_editors_publish(home)
    return home
