"""CMS base: home and standard pages, shared StreamField blocks, site settings, navigation, search."""
