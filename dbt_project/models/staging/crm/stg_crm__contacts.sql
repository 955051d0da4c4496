-- Latest version of each Salesforce Contact; contacts whose latest version is a deletion are dropped.
with

latest as (
    {{ latest_version(source('crm', 'contacts'), key='Id', updated_at=to_utc('LastModifiedDate')) }}
)

select
    cast(Id as {{ dbt.type_string() }}) as contact_id,
    -- Salesforce's 15-character, case-sensitive form of the id (Qualtrics sometimes carries it).
    left(cast(Id as {{ dbt.type_string() }}), 15) as contact_id_15,
    nullif(trim(cast(FirstName as {{ dbt.type_string() }})), '') as first_name,
    nullif(trim(cast(LastName as {{ dbt.type_string() }})), '') as last_name,
    nullif(trim(cast(Email as {{ dbt.type_string() }})), '') as email,
    nullif(trim(cast(Phone as {{ dbt.type_string() }})), '') as phone,
    nullif(trim(cast(MobilePhone as {{ dbt.type_string() }})), '') as mobile_phone,
    nullif(trim(cast(MailingStreet as {{ dbt.type_string() }})), '') as mailing_street,
    nullif(trim(cast(MailingCity as {{ dbt.type_string() }})), '') as mailing_city,
    nullif(trim(cast(MailingState as {{ dbt.type_string() }})), '') as mailing_state,
    nullif(trim(cast(MailingPostalCode as {{ dbt.type_string() }})), '') as mailing_postal_code,
    nullif(trim(cast(MailingCountry as {{ dbt.type_string() }})), '') as mailing_country,
    try_cast(Birthdate as date) as birth_date,
    lower(cast(HasOptedOutOfEmail as {{ dbt.type_string() }})) = 'true' as has_opted_out_of_email,
    nullif(cast(LoyaltyTier__c as {{ dbt.type_string() }}), '') as loyalty_tier,
    nullif(trim(cast(Shop_Customer_Id__c as {{ dbt.type_string() }})), '') as shop_customer_id,
    {{ to_utc('CreatedDate') }} as created_at,
    {{ to_utc('LastModifiedDate') }} as updated_at,
    _source_file,
    _delivery_date
from latest
where lower(cast(IsDeleted as {{ dbt.type_string() }})) <> 'true'
