import uuid

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    born = models.DateField(null=True)

    def __str__(self):
        return self.name


class Book(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    published = models.DateTimeField()
    tags = models.JSONField(default=list)
    cover = models.BinaryField(null=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="price_not_negative")]
