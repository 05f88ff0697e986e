package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"

	"rapport/internal/db"
)

// Limits bound one message's uploads, in bytes; zero fields are the defaults.
type Limits struct {
	File    int64 // one file
	Message int64 // all the files of one message
}

// MaxFile is the limit on one file, the default when unset.
func (l Limits) MaxFile() int64 { return l.file() }

// MaxMessage is the limit on one message's files, the default when unset.
func (l Limits) MaxMessage() int64 { return l.message() }

func (l Limits) file() int64 {
	if l.File <= 0 {
		return DefaultMaxFile
	}
	return l.File
}

func (l Limits) message() int64 {
	if l.Message <= 0 {
		return DefaultMaxMessage
	}
	return l.Message
}

// maxFields bounds the text fields of a multipart form together, as form.MaxBody does a
// plain form's body; maxFiles bounds the files of one message.
const (
	maxFields = 1 << 20
	maxFiles  = 20
)

// Upload is one file of a form, spooled to a temporary file on disk while the form was
// read (so a 10 MB file costs no 10 MB of memory), until Form.Close.
type Upload struct {
	Name        string // as sent; Save cleans it
	ContentType string
	Size        int64
	file        *os.File
}

// Save attaches u to the message messageID of ticketID on q (see Save).
func (u *Upload) Save(ctx context.Context, q db.Querier, ticketID, messageID string) (File, error) {
	if _, err := u.file.Seek(0, io.SeekStart); err != nil {
		return File{}, err
	}
	return Save(ctx, q, ticketID, messageID, u.Name, u.ContentType, u.file, u.Size)
}

// Form is a multipart form read by ReadForm.
type Form struct {
	Uploads []*Upload
	// Problem, when set, is why the files were refused, for the user beside the file
	// field ("report.pdf is over 10 MB…"); the text fields were still read.
	Problem string
}

// Close removes the spooled files.
func (f *Form) Close() {
	for _, u := range f.Uploads {
		name := u.file.Name()
		_ = u.file.Close()
		_ = os.Remove(name)
	}
	f.Uploads = nil
}

// ErrMalformed means the body is not a multipart form we can read (answer 400).
var ErrMalformed = errors.New("malformed multipart form")

// ReadForm reads r's multipart/form-data body part by part (never ParseMultipartForm of
// everything): the text fields into r.PostForm, so form.Text, form.Body and the form's
// one-time key read them as from a plain form, and each file in fileField to a spool
// file, stopping at a file over lim.File or files together over lim.Message. After a
// refused file the rest of the body is read and dropped, so that a browser still
// sending it gets the page that says why (a server that hangs up mid-upload shows the
// user a reset connection instead); the whole body is capped (http.MaxBytesReader) at
// twice the message limit plus the fields' allowance, so what an oversized upload costs
// is bounded and nothing of it is held in memory. A file over a limit
// is refused with Form.Problem set (and no file kept), the text read before it kept:
// the forms put their file field last. A body that is not multipart is left to the
// caller's plain form parsing: ReadForm returns an empty Form. The caller closes the Form.
func ReadForm(w http.ResponseWriter, r *http.Request, fileField string, lim Limits) (*Form, error) {
	f := &Form{}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return f, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*lim.message()+maxFields)
	mr, err := r.MultipartReader()
	if err != nil {
		return f, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	values := url.Values{}
	var fieldBytes, total int64
	defer func() {
		r.PostForm, r.Form = values, values
	}()
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f.refuse(fmt.Sprintf("The files together are over %s: attach fewer or smaller files.", human(lim.message())))
			return f, nil
		}
		if err != nil {
			return f, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		name := p.FormName()
		if p.FileName() == "" && name != fileField {
			b, err := io.ReadAll(io.LimitReader(p, maxFields-fieldBytes+1))
			if err != nil {
				return f, fmt.Errorf("%w: %w", ErrMalformed, err)
			}
			fieldBytes += int64(len(b))
			if fieldBytes > maxFields {
				return f, fmt.Errorf("%w: text fields over %d bytes", ErrMalformed, maxFields)
			}
			values.Add(name, string(b))
			continue
		}
		if name != fileField || p.FileName() == "" || f.Problem != "" {
			continue // an empty file input, or files after a refused one: NextPart skips them
		}
		if len(f.Uploads) == maxFiles {
			f.refuse(fmt.Sprintf("Attach at most %d files to one message.", maxFiles))
			continue
		}
		u, err := spool(p, p.FileName(), p.Header.Get("Content-Type"), min(lim.file(), lim.message()-total))
		switch {
		case errors.Is(err, ErrTooLarge) && total+u.Size > lim.message():
			f.refuse(fmt.Sprintf("The files together are over %s: attach fewer or smaller files.", human(lim.message())))
		case errors.Is(err, ErrTooLarge):
			f.refuse(fmt.Sprintf("%s is over %s, the largest file you can attach.", CleanName(p.FileName()), human(lim.file())))
		case errors.As(err, &tooBig):
			f.refuse(fmt.Sprintf("The files together are over %s: attach fewer or smaller files.", human(lim.message())))
			return f, nil
		case err != nil:
			return f, err
		default:
			total += u.Size
			f.Uploads = append(f.Uploads, u)
		}
	}
}

// refuse keeps no file: the message goes without them only if the user sends it again.
func (f *Form) refuse(problem string) {
	f.Close()
	if f.Problem == "" {
		f.Problem = problem
	}
}

// spool copies r to a temporary file, at most limit bytes; over it, the file is removed
// and the error wraps ErrTooLarge (with Size the bytes read).
func spool(r io.Reader, name, contentType string, limit int64) (*Upload, error) {
	tmp, err := os.CreateTemp("", "rapport-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	u := &Upload{Name: name, ContentType: contentType, file: tmp}
	n, err := io.Copy(tmp, io.LimitReader(r, limit+1))
	u.Size = n
	if err == nil && n > limit {
		err = ErrTooLarge
	}
	if err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return u, err
	}
	return u, nil
}

// human is n bytes in whole megabytes ("10 MB") or kilobytes.
func human(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

// Human is n bytes for a person ("2.4 MB", "12 KB").
func Human(n int64) string { return strings.TrimSpace(human(n)) }
