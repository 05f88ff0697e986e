// Command rapport is the whole of Rapport: the web server, migrations, demo and
// benchmark data, and user bootstrap.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"golang.org/x/term"

	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/db"
	"rapport/internal/form"
	"rapport/internal/seed"
	"rapport/internal/server"
)

const usage = `usage: rapport <command>

  serve                                   run the web server
  migrate up|down|status                  apply, roll back one, or list migrations (direct URL);
                                          up adopts a seed-stack database it finds
  migrate adopt [--dry-run] [--admin EMAIL]
                                          adopt a seed-stack database (Better Auth + Drizzle):
                                          --dry-run prints the plan and changes nothing,
                                          --admin makes that user the first admin
  seed [--scale N]                        load the demo data, or N units of benchmark data
  user create --email E --name N --role R [--team T]
                                          create a user; the password is read from stdin
                                          (or prompted for on a terminal)

Configuration comes from the environment: see README.md.
`

// defaultMemoryLimit is the server's soft memory limit (the Go runtime's GOMEMLIMIT,
// which overrides it). Each sign-in's password hash allocates 12 MiB that is garbage a
// moment later; without a limit the heap grows to twice what is live before the
// collector runs, and the server's resident memory with it. The limit is soft: a
// server that really needs more gets it, at the price of more collection.
const defaultMemoryLimit = 64 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.FromEnviron()
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	log := newLogger(cfg.LogFormat)
	slog.SetDefault(log)

	switch args[0] {
	case "serve":
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(defaultMemoryLimit)
		}
		return server.Run(ctx, cfg, log)
	case "migrate":
		if len(args) < 2 {
			return errors.New("usage: rapport migrate up|down|status|adopt [--dry-run] [--admin EMAIL]")
		}
		if cfg.DirectURLFallback {
			log.Warn("DATABASE_URL_UNPOOLED is not set: migrating over DATABASE_URL without goose's session lock; run one migrator at a time")
		}
		return migrateCmd(ctx, cfg, args[1], args[2:], stdout)
	case "seed":
		return seedCmd(ctx, cfg, args[1:], stdout)
	case "user":
		return userCmd(ctx, cfg, args[1:], stdin, stdout)
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

func newLogger(format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// seedCmd loads data over the direct URL: bulk loads are long transactions that need
// not hold a pooler slot.
func seedCmd(ctx context.Context, cfg *config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	scale := fs.Int("scale", 0, "load N units of benchmark data instead of the demo")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale < 0 || *scale > 1000 {
		return errors.New("--scale must be from 1 to 1000")
	}
	d, err := db.Open(ctx, cfg.DirectURL, db.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer d.Close()
	h := auth.NewHasher(0)
	if *scale > 0 {
		return seed.Scale(ctx, d, h, *scale, stdout)
	}
	return seed.Demo(ctx, d, h, stdout)
}

func userCmd(ctx context.Context, cfg *config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: rapport user create --email E --name N --role customer|sales|agent|admin [--team T]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "customer, sales, agent or admin (required)")
	team := fs.String("team", "", "team, for agents")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	errs := form.Errors{}
	e := form.NormalizeEmail(*email)
	form.Email(errs, "email", e)
	form.Required(errs, "name", strings.TrimSpace(*name), "Name", 100)
	r := auth.Role(*role)
	if !r.Valid() {
		errs.Add("role", "role must be one of customer, sales, agent, admin")
	}
	if r == auth.RoleAgent && strings.TrimSpace(*team) == "" {
		errs.Add("team", "agents need a --team")
	}
	if !errs.OK() {
		var msgs []string
		for f, m := range errs {
			msgs = append(msgs, "--"+f+": "+m)
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	password, err := readPassword(stdin, stdout)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(password, e); err != nil {
		return err
	}
	h := auth.NewHasher(0)
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: 1})
	if err != nil {
		return err
	}
	defer d.Close()
	var u *auth.User
	err = d.InTx(ctx, func(tx pgx.Tx) error {
		u, err = auth.CreateUser(ctx, tx, auth.NewUser{Name: strings.TrimSpace(*name), Email: e, Role: r, PasswordHash: hash, Team: strings.TrimSpace(*team), EmailVerified: true})
		return err
	})
	if errors.Is(err, auth.ErrEmailTaken) {
		return fmt.Errorf("a user with email %s already exists", e)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s <%s> as %s (id %s)\n", u.Name, u.Email, u.Role.Label(), u.ID)
	return nil
}

// readPassword prompts twice without echo on a terminal, or reads one line from a pipe.
func readPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stdout, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stdout, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PW\" | rapport user create …`")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
