// Package scan takes scanned paper into the store: watched folders, the
// completeness rules, format checks, auto-filing and batch intake.
//
// # Intake order
//
// [Intake.Take] reads a complete file, checks its format by content (PDF,
// TIFF including CCITT Group 4, JPEG, PNG), decides where it goes
// (filename rule or QR cover sheet, else the inbox), hashes what it will
// store, and looks the hash up ([chart.Service.DocumentByContent]):
// content that is already a live document is a duplicate and stores
// nothing. Otherwise it seals the content and
// records the document ([chart.Service.AddDocument], each step a durable
// bbolt commit), and only then deletes the original or moves it to the
// folder's archive. A crash at any point leaves the file in the folder or
// the document in the store, and taking the file again after a crash that
// came after the commit is a duplicate, removed without a second document.
// A blob sealed just before a crash, with no document yet, is completed by
// the next import of the same file. A file that changes while it is read
// is not stored and is looked at again once it settles.
//
// Sealing does not wait for the look at page 1 and the hash lookup: the
// file is sealed as it is meanwhile, through a reader that holds back its
// last byte until both are known. Only a file stored whole (no cover
// sheet, not a duplicate, unchanged) lets it through, and the blob and
// the document are committed as above; otherwise the reader fails, the
// store drops the chunks sealed so far (a blob exists only once its last
// chunk and header are committed), and the rewritten file, if any, is
// sealed instead.
//
// A PDF is not read into memory: pdfcpu reads it from the file, its large
// streams (the page images) are left there and read back only for the
// look at page 1 or to cut a cover page off, and the sealing and the hash
// read the file again; TIFF, JPEG and PNG files are read whole. While a
// PDF is taken in, the runtime's soft memory limit is what the process
// held before plus what the intake needs (see scan/memory.go), so the
// garbage it makes is collected before it doubles the process's memory.
//
// # Completeness
//
// [Engine] waits on fsnotify events. A file is taken once its size and
// modification time stayed unchanged for Config.Settle with no write event
// (a timer runs only while some file is settling), or at once when it
// appears by a rename from a temporary name. Temporary names (see
// [Temporary]: ".tmp", ".part", "~" at either end, hidden files) are never
// taken. Writers cannot be seen closing a file through fsnotify's portable
// API, so "closed" is approximated by the settle interval; a scan that is
// taken half-written anyway (a scanner that pauses longer than Settle) is
// still caught by the format checks, which refuse a cut-off PDF, TIFF,
// JPEG or PNG, and is looked at again when it changes.
//
// Files already in a folder when the engine starts are taken the same way,
// and every folder is listed again every Config.Rescan (30 s): a network
// share tells the watching computer only of the files it wrote itself, so
// a scanner writing to a share is seen by that listing.
// A folder that disappears (a network share dropping) shows a warning in
// [Engine.Folders] and is looked for every Config.Retry until it is back.
//
// # Problems
//
// A damaged or unsupported file stays where it is and is listed by
// [Engine.Problems] with a reason. It is not looked at again until it
// changes, or until the engine starts again (at the next sign-in).
// The list is kept in memory.
//
// A PDF that needs a password to open is refused ("this PDF needs a
// password to open; save it again without a password and drop it back
// in"). One protected by an owner password only opens without one and is
// taken like any other: it can be filed, split and turned.
//
// # Cover sheets
//
// A scan whose first page carries the QR code of a cover sheet printed by
// Chartkeeper (report.CoverSheet prints the payload of a
// [chart.CoverSheet]; intake reads it back with [chart.ParseCoverSheet])
// is filed into that patient's chart under the sheet's category, dated
// the day of intake, and the document filed is the scan without its cover
// page: what is sealed is the rewritten
// file, not the original bytes (the cover page says nothing the record
// does not, and a chart's copy should be the pages behind it). A PDF is
// rewritten without its first page (see Page editing); a multi-page TIFF
// has its header pointed at the second page (the other pages keep their
// bytes; the cover's image data stays inside the sealed file,
// unreferenced). The hash used against double imports is the stored
// content's, and the rewrite is deterministic, so the same scan taken
// twice is still one document. A single JPEG or PNG that is only a cover
// sheet is refused: there is nothing to file.
//
// PDFs are read with pdfcpu, once a file: its page count, the look at
// page 1 and the rewrite without the cover page all use the same reading.
// A PDF first page that is a scanner's single CCITT Group 4 image (the
// page's content places one image XObject over most of the page,
// unmirrored) is decoded in Go straight from the image's stream, a few
// milliseconds. Other first pages are drawn with poppler's pdftoppm
// through pipes (no temporary files), in grey at 100 dpi; a PDF over 1 MB
// is first cut down to its first page so that pdftoppm does not read the
// whole scan. A single JPEG image is left to pdftoppm too (libjpeg
// decodes it faster than image/jpeg), except without pdftoppm, when it is
// decoded in Go. Without pdftoppm, other PDFs are never recognised as
// having a cover sheet and wait in the inbox. The file's hash is worked
// out, and the file sealed, while the cover is looked for.
//
// A sheet from another practice, or one whose patient (followed through
// merges) no longer matches its MRN, goes to the inbox with a note.
//
// # Page editing
//
// [EditPages] makes a new file of chosen pages of a scan, each turned by a
// multiple of 90°; [Editor] offers it to chart's inbox operations
// (chart.Service.SplitDocument and RotatePages). A PDF is rewritten in
// full with pdfcpu: only the pages kept and the objects they reach
// (content, images, fonts) are written, each page with the attributes it
// inherited from its page tree, and a turn goes into the page's /Rotate
// (image data untouched). Outlines, tags and the document information
// dictionary are not kept, and the new file is not encrypted. The rewrite
// is deterministic (pdfcpu's own numbering, layout and time stamps are
// made so; see scan/pdf.go), so the same pages of the same scan always
// make the same file. TIFF pages are decoded and written into a new Deflate TIFF (1
// bit a pixel for black and white, so a CCITT page grows but loses
// nothing). A turned JPEG or PNG is written as a PNG, so turning never
// costs quality. Turns are applied to the content, not stored beside it,
// so every viewer and every print shows the page the right way up.
//
// # Folder settings
//
// A workstation's watched folders ([Settings]: path, default category,
// archive folder or none for "delete the original", filename rule) are
// kept in [SettingsFileName] in its data folder, mode 0600, beside
// device.json: they belong to the machine the scanner is attached to, are
// not synced, and are not in backups (a backup is the database alone).
// The workstation starts an [Engine] on them when a user who may take in
// documents signs in and stops it when the session ends.
//
// # Not done yet
//
//   - chart: a source-hash field on Document (the hash looked up is the
//     stored content's, so a scan filed without its cover page is found
//     by the rewritten file's hash).
//   - Detecting "closed" directly (inotify IN_CLOSE_WRITE is not exported
//     by fsnotify v1.9).
//   - Reading a first page's image directly when the scanner added an
//     invisible OCR text layer over it (such pages go to pdftoppm).
package scan
