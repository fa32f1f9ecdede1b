"""Importing the real Jakarta service sites (RPTRA, puskesmas, schools, kelurahan offices,
hospitals) from the data files.

Two phases, so that a broken file loads nothing:

1. read (readers.files_read): every file is parsed into plain records (records.py); a
   structural error (a missing column, a text where a coordinate belongs, an unreadable
   file) raises ImportDataError naming the file and row. Rows that are well-formed but
   cannot be placed are *skipped* with a reason.
2. write (writing.sites_write): the records are placed in a kelurahan by point-in-polygon
   against the loaded boundaries, in Python with GEOS prepared geometries (placing.py, one
   query for all 267 polygons), and upserted by (source, source_id) with bulk writes.

Decisions on the defects listed in the data README:

- no coordinates (RPTRA row 641 "Taman Apel", schools): skipped, reason "missing".
- zero coordinates (schools, a 0 in either axis): skipped, reason "zero".
- outside every kelurahan: the boundaries are simplified, so a point up to
  PLACEMENT_TOLERANCE_M outside is placed in the nearest kelurahan and says so in its
  source note; further out it is skipped, reason "outside".
- the same source id twice in one file: the second row is skipped, reason "duplicate".
- RPTRA pairs sharing identical coordinates (31/234, 45/143, ...): both are imported,
  because they are different RPTRA (other names, addresses, areas) and only one of the two
  points is a copy error, unknown which; each carries "koordinat sama dengan OBJECTID n"
  in its source note so the lurah can correct the location. Schools sharing a point are
  normal (several schools in one building) and are not flagged.
- LUAS is not imported, so its implausible values do not matter.
- spelling differences (WADMKD/WADMKC, Kemkes abbreviations): kelurahan come from the
  point, not from names; the Kemkes join normalises names (see puskesmas_name_key).
- the government-office file is an asset register: only current kelurahan offices are
  imported, as birth-certificate service points (type akta-kelahiran); former offices, office
  land, official houses and the kecamatan, walikota and Balai Kota offices are skipped, each
  with its reason (readers.office_skip_reason). "KNTOR"/"KANTO LURAH" is corrected, the source
  name kept in the note; "KAWASAN/KOMPLEKS KANTOR LURAH" rows are kept and flagged (each is
  the only office point of its kelurahan); an office named twice is imported twice, flagged.
- hospitals keep their class (REMARK) as the first source note, "kelas RSUD": the link form
  reads it back to list RSIA and RSUD first as referral partners of a puskesmas.

The modules, each importing only those above it: records (the plain records, skip reasons,
ImportDataError), readers (one per source file, and the Kemkes join), placing (the kelurahan
of each point), writing (the upsert, and sites_import for the whole run).

Sites the portal has taken over (edited by a user, or past the "registered" state) are never
overwritten by a re-import: they are counted as "kept".
"""
