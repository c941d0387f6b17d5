"""The interface in the reader's language: which languages exist, which one a request gets,
its catalogue of translated sentences, and dates and numbers written its way.

    languages    the languages the interface speaks, and choosing one for a request
    catalogues   the translated sentences, read from fedcop/locale/LANG/LC_MESSAGES/messages.po
    current      the language of the request being answered, `gettext`, dates and numbers
"""
