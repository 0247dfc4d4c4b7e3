"""People and organisations, every surface form of their names, and people's roles over time."""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from archive.models.base import Keyed, Timestamped
from sources.dates import Precision, format_partial_date, partial_date_constraint
from sources.publishing import Publishable, SlugManager
from sources.versioning import Versioned

wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata identifier looks like Q7407093.")


class AliasKind(models.TextChoices):
    NAME = "name", "Full name"
    SHORT = "short", "Short form"
    NICKNAME = "nickname", "Nickname"
    FORMER = "former", "Former name"
    ABBREVIATION = "abbreviation", "Abbreviation or ticker"
    TRANSLATION = "translation", "Translation"
    MISSPELLING = "misspelling", "Misspelling"
    ERROR = "error", "Wrong name used for this entity"

    @classmethod
    def wrong(cls) -> set[str]:
        """Kinds whose occurrences are errors in the text, annotated with a correction."""
        return {cls.MISSPELLING, cls.ERROR}


class Named(Publishable, Versioned, Timestamped):
    """What people and organisations share: a permanent slug, a name, a description."""

    slug = models.SlugField(
        max_length=120, unique=True, help_text="Permanent: public URLs and citations use it."
    )
    name = models.CharField(max_length=200, help_text="The name readers know best.")
    description = models.TextField(blank=True, help_text="One or two factual sentences.")
    wikidata = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[wikidata_validator],
        help_text="For example Q7407093; leave empty unless certain.",
    )

    objects = SlugManager()
    history = HistoricalRecords(inherit=True)

    class Meta(Publishable.Meta):
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Person(Named):
    class Meta(Named.Meta):
        verbose_name_plural = "people"
        permissions = [("publish_person", "Can publish and unpublish people")]

    def get_absolute_url(self):
        return reverse("person-detail", kwargs={"slug": self.slug})


class Organization(Named):
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="For a board, team or subsidiary: the organisation it belongs to.",
    )

    class Meta(Named.Meta):
        permissions = [("publish_organization", "Can publish and unpublish organizations")]
        constraints = [
            *Named.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="archive_organization_not_own_parent",
            ),
        ]

    def get_absolute_url(self):
        return reverse("organization-detail", kwargs={"slug": self.slug})


class AliasManager(models.Manager):
    owner_field = ""

    def get_by_natural_key(self, owner_slug, name):
        return self.get(**{f"{self.owner_field}__slug": owner_slug, "name": name})


class PersonAliasManager(AliasManager):
    owner_field = "person"


class OrganizationAliasManager(AliasManager):
    owner_field = "organization"


class Alias(models.Model):
    """A surface form of a name as some text writes it; suggestions match on these."""

    name = models.CharField(max_length=200, help_text="Exactly as the text writes it.")
    kind = models.CharField(max_length=12, choices=AliasKind.choices, default=AliasKind.SHORT)
    case_sensitive = models.BooleanField(
        default=True, help_text="Match only with this capitalisation (almost always right)."
    )
    note = models.CharField(max_length=300, blank=True, help_text="Where and why this form occurs.")

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_wrong(self) -> bool:
        return self.kind in AliasKind.wrong()


class PersonAlias(Alias):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")

    objects = PersonAliasManager()

    class Meta(Alias.Meta):
        verbose_name_plural = "person aliases"
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="archive_personalias_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="archive_personalias_name"),
            models.CheckConstraint(
                condition=models.Q(kind__in=AliasKind.values), name="archive_personalias_kind"
            ),
        ]

    def natural_key(self):
        return (self.person.slug, self.name)

    natural_key.dependencies = ["archive.person"]

    @property
    def entity(self):
        return self.person


class OrganizationAlias(Alias):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")

    objects = OrganizationAliasManager()

    class Meta(Alias.Meta):
        verbose_name_plural = "organization aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="archive_organizationalias_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""), name="archive_organizationalias_name"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=AliasKind.values), name="archive_organizationalias_kind"
            ),
        ]

    def natural_key(self):
        return (self.organization.slug, self.name)

    natural_key.dependencies = ["archive.organization"]

    @property
    def entity(self):
        return self.organization


class Role(Keyed):
    """A person's position at an organisation over a span of time, dates as precise as known."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    title = models.CharField(
        max_length=200, help_text="For example: Interim chief executive officer."
    )
    start = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=6, choices=Precision.choices, blank=True)
    end = models.DateField(null=True, blank=True, help_text="Empty while the role continues.")
    end_precision = models.CharField(max_length=6, choices=Precision.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "title"]
        constraints = [
            partial_date_constraint("start", "archive_role_start_precision"),
            partial_date_constraint("end", "archive_role_end_precision"),
            models.CheckConstraint(
                condition=models.Q(start__isnull=True)
                | models.Q(end__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="archive_role_ends_after_start",
            ),
        ]

    def natural_key(self):
        return (str(self.key),)

    natural_key.dependencies = ["archive.person", "archive.organization"]

    def __str__(self):
        return f"{self.person} — {self.title}, {self.organization}"

    @property
    def span_display(self) -> str:
        start = format_partial_date(self.start, self.start_precision)
        end = format_partial_date(self.end, self.end_precision)
        if start and end:
            return f"{start} – {end}"
        if start:
            return f"from {start}"
        if end:
            return f"until {end}"
        return ""
