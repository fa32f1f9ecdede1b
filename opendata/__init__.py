"""Open data without signing in: the public directory's downloads and the HSDS 3.0 read API.

selectors (what is public, as plain values) -> hsds (HSDS objects from rows) -> listings
(filters, pagination) -> api (the HSDS views); downloads (files, data dictionary, licence)
-> views (the /data-terbuka/ page and files). KALTARA_OPEN_DATA = False turns it all off (404).
"""
