"""An article's reader page, rendered once per version of what it shows and stored."""

from django.db import models

from archive.models.generation import new_token


class StoredReading(models.Model):
    """The reading of one published source (its text with highlights, notes, and what it
    mentions) as HTML, so that a page view is a lookup, not a re-render.

    `stamp` is replaced, by deleting the row, whenever anything the reading shows changes
    (archive/stored_readings.py). A reader that renders stores its HTML only if the stamp it
    read *before* reading the content is still the row's: a change that commits while it
    renders deletes the row, and the stale rendering is thrown away.
    """

    source = models.OneToOneField(
        "sources.Source",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stored_reading",
    )
    stamp = models.CharField(max_length=32, default=new_token)
    #: The stamp `html` was rendered under; equal to `stamp` when the HTML is current.
    made_under = models.CharField(max_length=32, blank=True)
    #: Citations carry absolute links: a reading is made for one scheme and host.
    base_url = models.CharField(max_length=500, blank=True)
    #: Digest of the code and templates that render readings: a deployment renders anew.
    renderer = models.CharField(max_length=64, blank=True)
    html = models.TextField(blank=True)

    def __str__(self):
        return f"Reading of source {self.source_id}"
