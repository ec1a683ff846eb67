"""One module per page; a page is a function returning components."""
