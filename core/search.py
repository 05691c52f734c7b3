"""Search shared by the shop and the blog: words normalized the same way on both databases, a
full-text query on PostgreSQL, every-word matching on SQLite, and typo suggestions.

Each searchable table keeps two columns: `search_text`, its words lower-cased and without accents
(written on save, on every database), and on PostgreSQL `search_vector`, a weighted tsvector kept by
a database trigger (French and English stemming), with a GIN index on each (tsvector, trigrams).

- PostgreSQL: every word must match as a prefix of a stemmed word (French or English stemming):
  "prompts" finds "prompt", "credit" finds "crédits"; ranked by ts_rank over the weights (A: title,
  B: category or summary, C: description or body). A table that also keeps its title alone
  (`search_title`, products) lists the rows whose title matches first, each group by rank: the
  first pages of a broad search then read those few rows, not every row that holds the word
  (CappedPaginator). When nothing matches, each word is corrected to the closest word the tables
  hold by trigram similarity (pg_trgm): "promt" -> "prompt".
- SQLite: every word must appear in `search_text` (so accents and case never matter); ranked by
  how early the first word appears (titles come first in the text). When nothing matches, each
  word is corrected to the closest word of the titles visitors may find (difflib, over a
  vocabulary cached for VOCABULARY_SECONDS and forgotten when a searchable row is saved).
"""

import difflib
import re
import unicodedata

from django.apps import apps
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.functional import cached_property

from core.tasks import after_commit

MAX_QUERY_LENGTH = 200  # characters read from a query; the rest is ignored
MAX_WORDS = 8
MIN_TYPO_LENGTH = 3  # shorter words are not corrected
NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text):
    """Lower-case words without accents or punctuation: "Pack Étudiant, 250 crédits!" ->
    "pack etudiant 250 credits"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return NON_WORD.sub(" ", plain.replace("œ", "oe").replace("æ", "ae")).strip()


def words(query):
    return normalize((query or "")[:MAX_QUERY_LENGTH]).split()[:MAX_WORDS]


class Searchable(models.Model):
    """A searchable table: `search_text` is written on save from `words_for_search()` whenever one
    of `SEARCH_SOURCES` may have changed; `titles_for_suggestions()` gives the titles visitors may
    find, the words a typo is corrected to on SQLite. `search_text` is nullable so that adding it on
    SQLite is an ALTER TABLE, not a copy of the table (which triggers may refer to)."""

    SEARCH_SOURCES = set()

    search_text = models.TextField(null=True, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)  # PostgreSQL: kept by a trigger

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        words_changed = update_fields is None or bool(self.SEARCH_SOURCES & set(update_fields))
        if words_changed:
            self.refresh_search_text()
            update_fields = None if update_fields is None else {*update_fields, "search_text"}
        super().save(*args, update_fields=update_fields, **kwargs)
        if words_changed and not is_postgres():  # PostgreSQL's word table is kept by triggers
            forget_vocabulary()

    def refresh_search_text(self):
        """What save() does; for code that writes rows without it (bulk_create, bulk_update)."""
        self.search_text = normalize(self.words_for_search())

    def words_for_search(self):
        raise NotImplementedError

    @classmethod
    def titles_for_suggestions(cls):
        """The titles of the rows visitors may find (a values_list of strings)."""
        raise NotImplementedError


def is_postgres():
    return connection.vendor == "postgresql"


def _tsquery(terms):
    # Terms are [a-z0-9]+ only (normalize), so the raw syntax below cannot be broken by a query.
    raw = " & ".join(f"{term}:*" for term in terms)
    return SearchQuery(raw, search_type="raw", config="french") | SearchQuery(raw, search_type="raw", config="english")


def match(queryset, terms):
    """`queryset` filtered on every term and annotated with `rank` (higher is better)."""
    if not terms:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if is_postgres():
        query = _tsquery(terms)
        found = queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        if any(field.name == "search_title" for field in queryset.model._meta.fields):
            found = found.annotate(title_match=ExpressionWrapper(Q(search_title=query), output_field=BooleanField()))
        return found
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    position = Func(F("search_text"), Value(terms[0]), function="instr")
    return queryset.annotate(rank=1.0 / (1.0 + Cast(position, FloatField())))


# `%%` is pg_trgm's "similar" operator (similarity above 0.3), on the trigram index.
SIMILAR_WORD = "SELECT word FROM search_word WHERE word %% %s ORDER BY similarity(word, %s) DESC, word LIMIT 1"


def suggest(terms):
    """The words with each one no searchable row holds replaced by the closest word they hold, or
    None when no word changes. PostgreSQL: by trigram similarity over `search_word`, kept by
    triggers (catalog 0008); SQLite: by difflib's ratio over the titles' vocabulary."""
    correctable = [len(term) >= MIN_TYPO_LENGTH and not term.isdigit() for term in terms]
    if not any(correctable):
        return None
    closest = _closest_postgres if is_postgres() else _closest_embedded
    corrected = [(closest(term) if ok else None) or term for term, ok in zip(terms, correctable, strict=True)]
    return corrected if corrected != terms else None


def _closest_postgres(term):
    with connection.cursor() as cursor:
        cursor.execute(SIMILAR_WORD, [term, term])
        return (cursor.fetchone() or [None])[0]


VOCABULARY_KEY = "search:vocabulary"
VOCABULARY_SECONDS = 300  # bounds how long a word written without save() (bulk_create) goes unsuggested
SIMILAR_ENOUGH = 0.75  # difflib's ratio: "promt" -> "prompt" is 0.91, "drop" -> "prompt" 0.6


def _closest_embedded(term):
    vocabulary = _vocabulary()
    if term in vocabulary:
        return term
    found = difflib.get_close_matches(term, vocabulary, n=1, cutoff=SIMILAR_ENOUGH)
    return found[0] if found else None


def _vocabulary():
    """The distinct words of the searchable titles visitors may find, built once per cache period:
    comparing a typo to a few thousand words costs milliseconds, reading every row's text would not."""
    vocabulary = cache.get(VOCABULARY_KEY)
    if vocabulary is None:
        searchable = [model for model in apps.get_models() if issubclass(model, Searchable)]
        titles = (title for model in searchable for title in model.titles_for_suggestions().iterator())
        every = {word for title in titles for word in normalize(title).split()}
        vocabulary = sorted(word for word in every if len(word) >= MIN_TYPO_LENGTH and not word.isdigit())
        cache.set(VOCABULARY_KEY, vocabulary, VOCABULARY_SECONDS)
    return vocabulary


def forget_vocabulary():
    """A searchable row changed: the vocabulary is built again on the next suggestion, and once more
    after the commit (a vocabulary built in between from the old rows is not kept)."""
    cache.delete(VOCABULARY_KEY)
    after_commit("search_vocabulary_forget", lambda: cache.delete(VOCABULARY_KEY))


def _without_vector_match(titles):
    """`titles` without its `search_vector @@ query` condition, which the title's match implies (the
    name is part of the vector): else PostgreSQL intersects the title's GIN scan with the vector's,
    which reads every row holding the word, the very cost the title group avoids."""
    where, vector = titles.query.where, titles.model._meta.get_field("search_vector")
    kept = [child for child in where.children if getattr(getattr(child, "lhs", None), "target", None) is not vector]
    if len(kept) == len(where.children) - 1:
        where.children = kept
    return titles


class CappedPaginator(Paginator):
    """Counts at most CAP rows of a queryset (a full count of a broad search costs more than the
    page itself): past it, `count` is CAP, `capped` is true and later pages are not reachable.

    A search ranked by relevance on a table with `title_match` (match() on PostgreSQL) is paged in
    two groups, the rows whose title matches, then the others, each by rank: a page is read from
    the first group and only reaches into the second once the first runs out, so the first pages
    of a word most descriptions hold do not rank all of them."""

    CAP = 1000

    @cached_property
    def _seen(self):
        return self.object_list.order_by().values("pk")[: self.CAP + 1].count()  # no rank to compute

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom, top):
        rows = self.object_list
        if not (isinstance(rows, QuerySet) and "title_match" in rows.query.annotations and rows.query.order_by[:1] == ("-rank",)):
            return rows[bottom:top]
        titles, others = _without_vector_match(rows.filter(title_match=True)), rows.filter(title_match=False)
        found = list(titles[bottom:top])
        if len(found) == top - bottom or (not self.capped and bottom + len(found) >= self.count):
            return found  # the page is full, or the name matches were every match
        # The titles ran out on this page (or before it): the others follow them.
        ended = bottom + len(found) if found or not bottom else titles.order_by().values("pk")[:bottom].count()
        return found + list(others[max(bottom - ended, 0) : top - ended])

    @cached_property
    def count(self):
        return min(self._seen, self.CAP)

    @property
    def capped(self):
        return self._seen > self.CAP
