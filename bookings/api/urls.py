from django.urls import path

from . import views

urlpatterns = [
    path("whoami/", views.WhoAmIApi.as_view(), name="whoami"),
    path("entities/", views.EntityCollectionApi.as_view(), name="entity-list"),
    path("entities/<uuid:pk>/", views.EntityItemApi.as_view(), name="entity-detail"),
    path("bookings/", views.BookingCollectionApi.as_view(), name="booking-list"),
    path("bookings/<uuid:pk>/", views.BookingItemApi.as_view(), name="booking-detail"),
    path("relationships/", views.RelationshipCollectionApi.as_view(), name="relationship-list"),
    path("relationships/<uuid:pk>/", views.RelationshipItemApi.as_view(), name="relationship-detail"),
]
