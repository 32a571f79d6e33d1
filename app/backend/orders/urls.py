from django.urls import path

from orders import apis

urlpatterns = [
    path("", apis.OrderListCheckoutApi.as_view(), name="orders"),
    path("<int:order_id>/", apis.OrderDetailApi.as_view(), name="order"),
    path("<int:order_id>/deliver/", apis.OrderDeliverApi.as_view(), name="order-deliver"),
]
