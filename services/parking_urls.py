"""URLs of the parking pages: /account/parking/…"""

from django.urls import path

from . import parking_views

app_name = "parking"

urlpatterns = [
    path("", parking_views.permit_list, name="list"),
    path("<str:number>/renew/", parking_views.renew, name="renew"),
]
