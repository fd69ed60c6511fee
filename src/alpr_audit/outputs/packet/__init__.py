"""The response packet of a records request: answers per item, files, cover letter, manifest."""
