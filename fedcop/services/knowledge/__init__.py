"""A knowledge base per community: pages of Markdown with a stable address, every version kept.

    pages.create / editing.edit / editing.restore / from_posts.page_from_post   (web, later API)
        -> access (who may read and edit; a Closed community takes no edits)
        -> editing.apply_edit: the editor's base version must still be the current one, or
           EditConflict (nothing saved; both texts handed back)
        -> commits.commit: the new version, the page's current number, the watchers told,
           then commits.page_committed (the one place the federation of pages hooks in)

Pages are keyed by their community's actor, so a community here and the copies kept here of
pages of communities elsewhere share the same tables and reading code.
"""
