"""The Excel round trip: export the sites a user keeps, read an edited file back, apply it.

The file is untrusted input. It is checked in layers before anything is parsed: size,
extension, that it really is an xlsx (a zip holding the spreadsheet content type, with a
bounded unpacked size), then every row. Nothing is written until the user confirms a dry
run without errors, and the apply is one transaction through the site write functions,
so history and signals happen exactly as for a form and any failure changes nothing.

The modules, each importing only those above it:

- fileformat: the file's contract (sheets, columns, limits) and the formula-safe cell text
- reading: the upload checks, the parse of the workbook, and each row checked and typed
- exporting: the download workbook (the user's sites and the codes they may use)
- planning: the dry run, what each row would do (Plan)
- applying: the confirm, the plan written through sites.services
- uploads: the uploaded file kept between dry run and confirm
- views, urls: the pages (URL namespace "spreadsheet")
"""
