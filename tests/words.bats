#!/usr/bin/env bats
# pdp-map wordfreq and ngrams: the word rules (--word) and casings
# (--case), on a multilingual example and against independent
# references: Python for Unicode text, bytes.split and a regex for ASCII.

load helper

sort_output() {
	output=$(printf '%s\n' "$output" | LC_ALL=C sort)
}

# The example of pdp-map(1): English, German, Greek, Japanese, Chinese,
# code.
example() {
	printf 'Die Straße, STRASSE. ΚΑΛΟΣ καλος\n日本語のテキスト カタカナ 中文\nsk_X509_new(ctx); x=y+1\n' > ml.txt
}

# words MODE...: wordfreq's sorted records of ml.txt as "word:count ...".
words() {
	run --separate-stderr pdp-map wordfreq "$@" <<< ml.txt
	assert_status 0
	assert_stderr_empty
	output=$(printf '%s\n' "$output" | LC_ALL=C sort | tr '\t\n' ': ')
}

@test "wordfreq default: Han and Hiragana one word a character, Katakana runs whole, final sigma folded" {
	example
	words
	assert_output_equals "1:1 ctx:1 die:1 new:1 sk:1 strasse:1 straße:1 x:1 x509:1 y:1 καλοσ:2 の:1 カタカナ:1 テキスト:1 中:1 文:1 日:1 本:1 語:1 "
	local want=$output
	# --word=alnum --case=fold are the defaults, said out loud.
	words --word=alnum --case=fold
	assert_output_equals "$want"
}

@test "wordfreq --word=ident: letters, digits and _ as in source code" {
	example
	words --word=ident
	assert_output_equals "1:1 ctx:1 die:1 sk_x509_new:1 strasse:1 straße:1 x:1 y:1 καλοσ:2 の:1 カタカナ:1 テキスト:1 中:1 文:1 日:1 本:1 語:1 "
	words --word=ident --case=keep
	assert_output_contains "sk_X509_new:1 "
}

@test "wordfreq --word=nonspace: runs of non-blank bytes, as wc -w counts them" {
	example
	words --word=nonspace
	assert_output_equals "die:1 sk_x509_new(ctx);:1 strasse.:1 straße,:1 x=y+1:1 καλοσ:2 カタカナ:1 中文:1 日本語のテキスト:1 "
	# Invalid UTF-8 and control characters are part of a word here, not
	# separators; a backslash is escaped in the key (pdp(7)).
	printf 'a\377b c\\d \001\303\n' > bin.txt
	run --separate-stderr pdp-map --binary=text wordfreq --word=nonspace <<< bin.txt
	assert_status 0
	sort_output
	assert_output_equals "$(printf '\001\303\t1\na\377b\t1\nc\\\\d\t1')"
	# As many words as wc -w counts, and as the wc mapper counts.
	gencorpus -f 1 -s 300K -S 3 corp > /dev/null
	f=$(find corp -type f | head -n 1)
	run --separate-stderr pdp-map wordfreq --word=nonspace <<< "$f"
	assert_status 0
	n=$(printf '%s\n' "$output" | awk -F '\t' '{ s += $2 } END { print s }')
	[ "$n" -eq "$(LC_ALL=C wc -w < "$f")" ] || fail "$n words, wc -w: $(wc -w < "$f")"
}

@test "wordfreq --case=keep and the rule of pdp 1 (--word=alnum-runs --case=lower)" {
	example
	words --case=keep
	assert_output_equals "1:1 Die:1 STRASSE:1 Straße:1 X509:1 ctx:1 new:1 sk:1 x:1 y:1 ΚΑΛΟΣ:1 καλος:1 の:1 カタカナ:1 テキスト:1 中:1 文:1 日:1 本:1 語:1 "
	words --word=alnum-runs --case=lower
	assert_output_equals "1:1 ctx:1 die:1 new:1 sk:1 strasse:1 straße:1 x:1 x509:1 y:1 καλος:1 καλοσ:1 カタカナ:1 中文:1 日本語のテキスト:1 "
}

@test "ngrams: the same word rules; options before or after N" {
	example
	run --separate-stderr pdp-map ngrams --word=ident 2 <<< ml.txt
	assert_status 0
	sort_output
	assert_output_contains "$(printf 'sk_x509_new ctx\t1\nstrasse καλοσ\t1')"
	assert_output_contains "$(printf '日 本\t1\n本 語\t1\n語 の\t1')"
	run --separate-stderr pdp-map ngrams 2 --case=keep --word=nonspace <<< ml.txt
	assert_status 0
	sort_output
	assert_output_contains "$(printf 'Straße, STRASSE.\t1')"
	assert_output_contains "$(printf 'ΚΑΛΟΣ καλος\t1')"
}

@test "wordfreq: bad --word and --case values and stray arguments are usage errors" {
	example
	for a in --word=foo --case=upper --word= --case --words=alnum; do
		run --separate-stderr pdp-map wordfreq "$a" <<< ml.txt
		assert_status 2
		assert_output_empty
		assert_stderr_contains "pdp-map: wordfreq: invalid option '$a' (--word=alnum|ident|nonspace|alnum-runs, --case=fold|lower|keep)"
	done
	run --separate-stderr pdp-map wordfreq x <<< ml.txt
	assert_status 2
	assert_stderr_equals "pdp-map: wordfreq: usage: wordfreq [--word=RULE] [--case=CASE]"
	run --separate-stderr pdp-map wordfreq --word=ident --case=keep --word=alnum <<< ml.txt
	assert_status 2
	assert_stderr_contains "pdp-map: wordfreq: usage: wordfreq [--word=RULE] [--case=CASE]"
	run --separate-stderr pdp-map ngrams --word=bad 2 <<< ml.txt
	assert_status 2
	assert_stderr_contains "pdp-map: ngrams: invalid option '--word=bad'"
	run --separate-stderr pdp-map ngrams --case=keep <<< ml.txt
	assert_status 2
	assert_stderr_contains "pdp-map: ngrams: usage: ngrams [--word=RULE] [--case=CASE] N"
}

# A text of 1.5 MB in one line and in many, of English, Greek, Han,
# Hiragana and Katakana, with an independent count in Python: Han and
# Hiragana a word a character, other letters and digits in runs, casefold
# (the alphabet has no letter that full and simple folding treat apart).
@test "wordfreq on mixed scripts: as a Python reference counts, whole and in --split chunks, in one line and in many" {
	python3 - <<'EOF'
import random, re, collections
r = random.Random(5)
parts = ["Hello", "WORLD", "x1", "ΚΑΛΟΣ", "καλος", "Σοφία", "日本", "語",
         "の", "ひらがな", "カタカナ", "テキスト", "中文分词", "abc",
         "ÀÉÎ", "x9y"]
seps = [" ", ", ", ". ", "\t", "  ", "-", "", ""]
out = []
for i in range(120000):
    out.append(r.choice(parts))
    out.append(r.choice(seps))
text = "".join(out)
open("one.txt", "w", encoding="utf-8").write(text + "\n")
lines = "".join(w + ("\n" if i % 7 == 0 else " ") for i, w in enumerate(out[::2]))
open("many.txt", "w", encoding="utf-8").write(lines)
single = "\u3041-\u3096\u309d-\u309f\u4e00-\u9fff"
tok = re.compile("[" + single + "]|[^\\W_" + single + "]+")
for name in ("one.txt", "many.txt"):
    c = collections.Counter(w.casefold() for w in
        tok.findall(open(name, encoding="utf-8").read()))
    with open(name + ".want", "w", encoding="utf-8") as f:
        for w, n in sorted(c.items(), key=lambda kv: kv[0].encode()):
            f.write("%s\t%d\n" % (w, n))
EOF
	for f in one.txt many.txt; do
		for split in '' '--split=64K'; do
			run --separate-stderr pdp-map $split wordfreq <<< "$f"
			assert_status 0
			assert_stderr_empty
			printf '%s\n' "$output" | pdp-reduce sum | LC_ALL=C sort > got
			assert_files_equal "$f.want" got
		done
	done
}

@test "wordfreq --word=ident and --word=nonspace on ASCII: as a regex and bytes.split count" {
	python3 - <<'EOF'
import random, re, collections
r = random.Random(11)
alpha = b"abcXYZ019_ _.-(){}\t\n\x0b\x0c\r=+;\\\x7f\x01"
data = bytes(r.choice(alpha) for _ in range(400000))
open("a.txt", "wb").write(data)
def dump(name, words):
    c = collections.Counter(words)
    with open(name, "wb") as f:
        for w, n in c.items():
            w = w.replace(b"\\", b"\\\\")
            f.write(w + b"\t" + str(n).encode() + b"\n")
dump("ident.want", [w.lower() for w in re.findall(rb"[A-Za-z0-9_]+", data)])
dump("nonspace.want", [w.lower() for w in data.split()])
dump("keep.want", data.split())
EOF
	for m in ident nonspace; do
		run --separate-stderr pdp-map wordfreq --word=$m <<< a.txt
		assert_status 0
		printf '%s\n' "$output" | LC_ALL=C sort > got
		LC_ALL=C sort $m.want > want
		assert_files_equal want got
	done
	run --separate-stderr pdp-map wordfreq --word=nonspace --case=keep <<< a.txt
	assert_status 0
	printf '%s\n' "$output" | LC_ALL=C sort > got
	LC_ALL=C sort keep.want > want
	assert_files_equal want got
}
