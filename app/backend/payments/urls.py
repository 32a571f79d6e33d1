from django.urls import path

from payments import apis

urlpatterns = [
    path("cards/", apis.SavedCardListApi.as_view(), name="cards"),
    path("cards/<int:card_id>/", apis.SavedCardDeleteApi.as_view(), name="card"),
]
