// Package scan takes scanned paper into the store: watched folders, the
// completeness rules, format checks, auto-filing and batch intake.
//
// # Intake order
//
// [Intake.Take] reads a complete file, checks its format by content (PDF,
// TIFF including CCITT Group 4, JPEG, PNG), decides where it goes
// (filename rule or QR cover sheet, else the inbox), hashes what it will
// store, and looks the hash up: content that is already a live document is
// a duplicate and stores nothing. Otherwise it seals the content and
// records the document ([chart.Service.AddDocument], each step a durable
// bbolt commit), and only then deletes the original or moves it to the
// folder's archive. A crash at any point leaves the file in the folder or
// the document in the store, and taking the file again after a crash that
// came after the commit is a duplicate, removed without a second document.
// A blob sealed just before a crash, with no document yet, is completed by
// the next import of the same file. A file that changes while it is read
// is not stored and is looked at again once it settles.
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
// Files already in a folder when the engine starts are taken the same way.
// A folder that disappears (a network share dropping) shows a warning in
// [Engine.Folders] and is looked for every Config.Retry until it is back.
//
// # Problems
//
// A damaged or unsupported file stays where it is and is listed by
// [Engine.Problems] with a reason. It is not looked at again until it
// changes, or until [Engine.Rescan] (after the store was unlocked, say).
// The list is kept in memory.
//
// # Cover sheets
//
// A scan whose first page carries the QR code of a cover sheet printed by
// Chartkeeper (report.CoverSheet) is filed into that patient's chart under
// the sheet's category, dated the day of intake. The cover page is dropped
// from a multi-page TIFF by pointing the TIFF header at the second page
// (the other pages keep their bytes; the cover's image data stays inside
// the sealed file, unreferenced). A PDF is kept whole and its note says
// "Page 1 is the cover sheet." (rewriting a PDF's page tree in pure Go,
// including cross-reference streams, is left for later). A single JPEG or
// PNG that is only a cover sheet is refused: there is nothing to file.
// PDF first pages are drawn with poppler's pdftoppm through pipes (no
// temporary files); without pdftoppm, PDFs are never recognised as having
// a cover sheet and wait in the inbox.
//
// A sheet from another practice, or one whose patient (followed through
// merges) no longer matches its MRN, goes to the inbox with a note.
//
// # Not done yet
//
//   - Dropping a PDF cover page (an incremental update writing a new page
//     tree root without the first kid).
//   - Deduplication by the original file's hash when the cover page was
//     dropped: the stored content's hash is used, which is the same for
//     the same file, so repeated imports are still no-ops.
//   - chart: a Service method that finds a document by blob ID (intake
//     reads document records directly through Service.Store for its
//     dedupe index), and a source-hash field on Document.
//   - Splitting a scan into several documents and rotating pages (inbox
//     screens and chart work); per-workstation folder settings storage.
//   - Detecting "closed" directly (inotify IN_CLOSE_WRITE is not exported
//     by fsnotify v1.9).
package scan
